/** The status document: `vigil status --json` and GET /api/status return exactly this. */
import type { BudgetGlance, ServiceSpend } from './usage/report.js';
import type { DiskStatus } from './disk/condition.js';

/** `stopping`: a stop is under way (systemd `deactivating`); it may take up to the service's stopTimeoutSec. */
export type ServiceState =
  'running' | 'starting' | 'stopping' | 'stopped' | 'failed' | 'crashloop' | 'unknown';
export type Health = 'healthy' | 'degraded' | 'down' | 'unknown';

export interface ServiceStatus {
  name: string;
  unit: string;
  /** An instance of a replicated service (`worker@2`): the service it belongs to, and its index. */
  group?: string;
  replica?: number;
  state: ServiceState;
  pid: number | null;
  restarts: number;
  /** ISO time of the last state change. */
  since: string | null;
  lastExit: { code: number | null; signal: string | null; reason: string | null } | null;
  health: Health;
  drifted: boolean;
  /** While it is starting: the healthy dependency its launcher waits for ("waiting for redis (tcp …) to be healthy"); systemd only. */
  waiting?: string;
  memoryBytes: number | null;
  cpuNsec: number | null;
  /** Why it has this health ("probe: HTTP 503", "stopped"…); set by the agent's health module. */
  healthReason?: string | null;
  /** ISO time since when it has had this health. */
  healthSince?: string | null;
  /** The last HTTP health probe, when the manifest configures one. */
  probe?: ProbeSummary | null;
  /** CPU in % of one core over the last sampling interval (resources module). */
  cpuPercent?: number | null;
  /** Where memoryBytes/cpuPercent came from: the service manager, or /proc summed over the unit's cgroup. */
  usageSource?: UsageSource | null;
  /** limits.memory, when the manifest sets one (agent status). */
  memoryLimitBytes?: number;
  /** Who enforces memoryLimitBytes: systemd's MemoryMax=, the agent (cgroup v1/hybrid, macOS), or nobody. */
  memoryEnforcement?: MemoryEnforcement;
  /** Seconds a stop may take before the service is killed (the manifest's stopTimeoutSec). */
  stopTimeoutSec?: number;
  /** The agent's last scrape of its metrics.url for the metric alert rules (agent status; absent before the first). */
  metricsScrape?: MetricsScrape;
  /** Its `healthy` dependencies (`dependsOn: { x: healthy }`): systemd stops and restarts it with each. */
  waitsFor?: string[];
  /** Seconds a start may take (TimeoutStartSec=: the wait for its healthy dependencies, then the program); only with such dependencies. */
  startTimeoutSec?: number;
  /** Today's LLM spend (usage module), when the agent tracks usage. */
  spend?: ServiceSpend;
}

export type MemoryEnforcement = 'systemd' | 'agent' | 'none';

/** A metric rules scrape: whether it answered, when (ISO) and, when it failed, why (the URL and the error). */
export interface MetricsScrape {
  ok: boolean;
  at: string;
  error: string | null;
}

export type UsageSource = 'systemd' | 'procfs' | 'ps';

export interface ProbeSummary {
  health: 'healthy' | 'degraded' | 'down';
  httpStatus: number | null;
  latencyMs: number;
  /** The body's `status` field, if any. */
  reported: string | null;
  checks: Record<string, unknown> | null;
  error: string | null;
  /** ISO time of the probe. */
  at: string;
}

/** The agent's own cost, measured the same way as a service's. */
export interface AgentUsage {
  pid: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  usageSource: UsageSource | null;
}

/**
 * A replicated service as a whole (see core/replicas-status.ts): a replica that dies is one replica down
 * (`degraded`, "2/3 running"), not the service.
 */
export interface ServiceGroup {
  name: string;
  /** How many instances are installed. */
  replicas: number;
  /** How many of them are running. */
  running: number;
  state: ServiceState;
  health: Health;
  /** Instance names, by index. */
  instances: string[];
  /** Today's LLM spend of all its instances together (usage module). */
  spend?: ServiceSpend;
}

export interface StatusDoc {
  /** One row per service; a replicated service's instances each have their own (with `group`). */
  services: ServiceStatus[];
  /** The replicated services, each summed over its instances (absent when there are none). */
  groups?: ServiceGroup[];
  /** The worst health of the services meant to run (stopped ones do not count). */
  overall?: Health;
  agent?: AgentUsage;
  /** Today's spend against the daily budget (usage module). */
  budget?: BudgetGlance;
  /** Whether Vigil can write to VIGIL_HOME (the disk module): `disk-full` while writes fail for lack of space. */
  disk?: DiskStatus;
}

const STATE_RANK: Readonly<Record<ServiceState, number>> = {
  running: 0,
  starting: 1,
  stopping: 1,
  stopped: 2,
  unknown: 3,
  failed: 4,
  crashloop: 5,
};

/** The worst state among services (what a menu bar shows). */
export function worstState(states: readonly ServiceState[]): ServiceState {
  return states.reduce<ServiceState>((w, s) => (STATE_RANK[s] > STATE_RANK[w] ? s : w), 'running');
}
