/**
 * What launchd says about one job (a `launchctl list` row, the top-level `launchctl print` fields, the
 * process tree's usage) → the backend-neutral ObservedStatus the supervisor's state machine reads. Pure.
 *
 * launchd has no "failed" state of its own. Mapped so that the same events and states as on systemd come
 * out: a kept-alive job that is not running is `activating` (launchd respawns it after ThrottleInterval:
 * `spawn scheduled`); a job with KeepAlive false that ended badly is `failed`; a job taken out of the
 * domain by a stop (bootout) is `inactive`; a job Vigil gave up on after `restart.burst` failures (the
 * start limit launchd does not have) is `failed` with result `start-limit-hit`.
 */
import type { ActiveState, ObservedStatus } from '../../ports/service-manager.js';
import { decodeListStatus, type ListRow, type PrintInfo } from './launchctl-parse.js';

export type KeepAliveMode = 'always' | 'on-failure' | 'no';

export interface GaveUp {
  /** When Vigil gave up (ms). */
  at: number;
  restarts: number;
  lastExit: { code: number | null; signal: string | null } | null;
}

export interface JobFacts {
  service: string;
  label: string;
  /** A plist for this service (and this VIGIL_HOME) is installed. */
  installed: boolean;
  keepAlive: KeepAliveMode;
  /** Its row in `launchctl list`, if listed. */
  row: ListRow | null;
  /** `launchctl print`: the info, null when launchd does not know the label, undefined when not asked. */
  print: PrintInfo | null | undefined;
  /** Spawn count remembered from an earlier print of the same process. */
  knownRuns: number | null;
  gaveUp: GaveUp | undefined;
  usage: { memoryBytes: number; cpuNsec: number; startedAt: number | null } | null;
}

/** Deaths from these signals are a requested stop (systemd's rule, and the launcher's). */
const CLEAN_SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGPIPE']);

export function resultOf(exit: { code: number | null; signal: string | null } | null): string | null {
  if (!exit) return null;
  if (exit.signal) return CLEAN_SIGNALS.has(exit.signal) ? 'success' : 'signal';
  return exit.code === 0 ? 'success' : 'exit-code';
}

export function toObservedStatus(f: JobFacts): ObservedStatus {
  const base: ObservedStatus = {
    service: f.service,
    unit: f.label,
    loaded: f.installed,
    active: 'inactive',
    sub: f.installed ? 'not loaded' : 'not-found',
    pid: null,
    restarts: 0,
    result: null,
    lastExit: null,
    since: null,
    memoryBytes: null,
    cpuNsec: null,
  };
  if (!f.installed) return base;
  const inDomain = f.row !== null || (f.print !== undefined && f.print !== null);
  if (!inDomain) {
    if (!f.gaveUp) return base;
    return {
      ...base,
      active: 'failed',
      sub: 'gave up',
      result: 'start-limit-hit',
      restarts: f.gaveUp.restarts,
      lastExit: f.gaveUp.lastExit,
      since: f.gaveUp.at,
    };
  }
  const p = f.print ?? null;
  const pid = f.row?.pid ?? p?.pid ?? null;
  const lastExit = p?.lastExit ?? (p?.neverExited ? null : decodeListStatus(f.row?.status ?? null));
  const runs = p?.runs ?? f.knownRuns;
  const state = p?.state ?? (pid !== null ? 'running' : 'not running');
  const active = activeOf(state, pid, lastExit, p?.neverExited ?? false, f.keepAlive);
  return {
    ...base,
    active,
    sub: state,
    pid,
    restarts: runs === null ? 0 : Math.max(0, runs - 1),
    result: resultOf(lastExit),
    lastExit,
    since: pid !== null ? (f.usage?.startedAt ?? null) : null,
    memoryBytes: pid !== null ? (f.usage?.memoryBytes ?? null) : null,
    cpuNsec: pid !== null ? (f.usage?.cpuNsec ?? null) : null,
  };
}

function activeOf(
  state: string,
  pid: number | null,
  lastExit: { code: number | null; signal: string | null } | null,
  neverExited: boolean,
  keepAlive: KeepAliveMode,
): ActiveState {
  if (state === 'SIGTERMed') return 'deactivating';
  if (pid !== null) return state === 'running' ? 'active' : 'activating';
  if (state === 'spawn scheduled' || state === 'xpcproxy' || state === 'running') return 'activating';
  const failed = resultOf(lastExit) === 'signal' || resultOf(lastExit) === 'exit-code';
  // Loaded but not yet spawned (RunAtLoad is always set): about to start.
  if (neverExited || lastExit === null) return 'activating';
  if (keepAlive === 'always' || (keepAlive === 'on-failure' && failed)) return 'activating';
  return failed ? 'failed' : 'inactive';
}
