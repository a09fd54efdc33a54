/**
 * The alert-precision simulator: scripted cases against the REAL supervisor (core/supervise through the
 * Supervisor class, on a real SQLite store), the real health monitor and state machine, the real alert
 * engine and the real intent-recording ServiceManager wrapper, on a fake clock with no network. Only
 * the outside world is simulated: a systemd-like manager (restart policy and delay, start limit, slow
 * stops, the exit journal) and the services' probe endpoints (warm-up, hangs that time out), `Requires=` between a dependent and its
 * `healthy` dependency (stopped and restarted with it, its start waiting for the dependency's probe as
 * vigil-launch does), stop timeouts, and the services' own metrics (test/helpers/alert-sim-metrics.ts),
 * scraped through the real MetricAlerts. Liveness restarts go through the real Liveness.
 *
 * A case is one row: a service, a script of actions at seconds from the case's start, and the pages that
 * are true (rule, from when, within how long). Every firing notification that no true page explains is a
 * false page; every true page not sent in time (its window + 1 probe interval) is missed; an alert still
 * firing at a case's `clearBy` time is stale (counted as false). Add a case by adding a row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AlertRule } from '../../agent/core/alerts/model.js';
import { AlertEngine, type EngineState } from '../../agent/core/alerts/engine.js';
import { DEFAULT_ALERTS, type AlertsConfig } from '../../agent/core/alerts/config.js';
import type { ExitRecord, ObservedStatus } from '../../agent/core/observed.js';
import type { ProbeResult } from '../../agent/core/health/probe.js';
import type { HealthSnapshot } from '../../agent/core/health/machine.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { EventType } from '../../agent/core/events.js';
import {
  resolveMetricRules,
  METRIC_RULE_IDS,
  type MetricRuleOverrides,
} from '../../agent/core/alerts/metric-rules.js';
import type { DailyMinute } from '../../agent/core/alerts/metric-window.js';
import { HealthMonitor } from '../../agent/app/health-monitor.js';
import { Liveness } from '../../agent/app/liveness.js';
import { MetricAlerts } from '../../agent/app/metric-alerts.js';
import { IntentRecordingManager } from '../../agent/app/service-actions.js';
import { alertViews } from '../../agent/app/alert-views.js';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { HealthProber, ProbeSpec } from '../../agent/ports/health-prober.js';
import { FakeClock } from './fake-clock.js';
import { SimMetrics, isMetricAction, type MetricAction } from './alert-sim-metrics.js';

export type SimAction =
  /** SIGKILL from outside: a crash; the manager restarts it per policy. */
  | 'kill9'
  /** SIGTERM from outside Vigil: a clean exit to the manager, a `killed` event to Vigil. */
  | 'sigterm'
  /** The endpoint stops answering (probes time out) while the process runs; `unhang` ends it. */
  | 'hang'
  | 'unhang'
  /** This process hangs (probes time out) until it is replaced by a new one (a liveness restart). */
  | 'hang-process'
  /** A change of the service's own metrics (alert-sim-metrics.ts). */
  | MetricAction
  /** From now on every process of it crashes (exit 1) 0.5 s after it starts; `fix` ends that. */
  | 'break'
  | 'fix'
  /** `systemctl --user start` by hand: the manager starts it, no intent recorded. */
  | 'outside-start'
  /** Through the intent-recording manager, like `vigil stop/start/restart`, budgets and apply. */
  | 'vigil-stop'
  | 'vigil-start'
  | 'vigil-restart';

export interface SimServiceSpec {
  probed: boolean;
  intervalSec: number;
  timeoutSec: number;
  stableSec: number;
  policy: 'always' | 'on-failure' | 'no';
  delaySec: number;
  /** systemd's StartLimitBurst / StartLimitIntervalSec (and Vigil's crash-loop rule from them). */
  burst: number;
  limitIntervalSec: number;
  /** From process start until its probe passes (ms). */
  warmupMs: number;
  /** How long a stop takes (ms). */
  stopMs: number;
  /** stopTimeoutSec (ms): a stop that would take longer is ended by SIGKILL then (Result=timeout). */
  stopTimeoutMs: number;
  /** health.restartAfterFailures (liveness); absent = never. */
  restartAfterFailures?: number;
  /** metrics.url (scraped every 5 s), limits.memory 100 MB and the metric alert rules. */
  metrics: boolean;
}

export interface TruePage {
  rule: AlertRule;
  /** When the condition became true (s from the case's start). */
  at: number;
  /** Its window (downForSec for service-down, 0 for crash-loop, forSec for a metric rule), s. */
  windowSec: number;
  /** The page is the dependency's (the case's `dependency`), not the service's. */
  service?: 'dep';
}

/** A script step: at (s), what, and whom (the case's service, or its dependency). */
export type SimStep = readonly [number, SimAction] | readonly [number, SimAction, 'dep'];

export interface SimCase {
  name: string;
  /** What it is about, for the results table. */
  what: string;
  service?: Partial<SimServiceSpec>;
  /** A `healthy` dependency (`dependsOn: { <name>-dep: healthy }`, Requires=): a second service. */
  dependency?: Partial<SimServiceSpec>;
  script: readonly SimStep[];
  pages: readonly TruePage[];
  /** Events that must be recorded for the service (or its dependency) in the case: exactly `count`. */
  events?: readonly { type: EventType; count: number; service?: 'dep' }[];
  /** The service's `alerts:` overrides of the metric rules (with `metrics: true`). */
  metricRules?: MetricRuleOverrides;
  /** These alerts must not be firing at these times (s from the case's start). */
  clearBy?: readonly { rule: AlertRule; at: number }[];
}

export interface SimPhase {
  cases: readonly SimCase[];
  durationSec: number;
  /** The agent is not running from..to (s from the phase's start): it restarts from its stored state. */
  agentDown?: readonly [number, number];
  /** Appended to the service names (one case may run in several phases). */
  suffix: string;
}

export interface CaseResult {
  service: string;
  case: string;
  truePages: number;
  sent: number;
  falsePages: string[];
  missed: string[];
  stale: string[];
  /** Seconds from each true condition to its page. */
  latencies: number[];
}

export interface SimReport {
  simulatedSec: number;
  ticks: number;
  cases: CaseResult[];
  falsePages: number;
  missed: number;
  stale: number;
  wallMs: number;
}

export const SIM_DEFAULTS: SimServiceSpec = {
  probed: true,
  intervalSec: 5,
  timeoutSec: 2,
  stableSec: 10,
  policy: 'always',
  delaySec: 1,
  burst: 5,
  limitIntervalSec: 10,
  warmupMs: 1000,
  stopMs: 500,
  stopTimeoutMs: 30_000,
  metrics: false,
};

/** budget.hourlyUsd in the simulation (the cost-per-hour rule's threshold is 2× this). */
export const SIM_HOURLY_USD = 1;

export const SIM_ALERTS: AlertsConfig = {
  ...DEFAULT_ALERTS,
  downForSec: 15,
  degradedForSec: 120,
  cooldownSec: 600,
};

interface Proc {
  spec: SimServiceSpec;
  active: ObservedStatus['active'];
  sub: string;
  pid: number | null;
  since: number;
  restarts: number;
  result: string;
  autoStarts: number[];
  hung: boolean;
  /** The current process hangs (cleared when a new process starts). */
  hungProcess: boolean;
  broken: boolean;
  /** Its `healthy` dependency (Requires=), if any. */
  requires: string | null;
  /** While its start waits for the dependency (vigil-launch --wait-for): since when. */
  waitStart: number | null;
  metrics: SimMetrics | null;
  /** The next transition the manager or the process makes by itself. */
  next: {
    at: number;
    what: 'start' | 'crash' | 'stopped' | 'stop-killed' | 'begin-stop' | 'wait-check';
  } | null;
  /** After a stop in progress: start again (a restart). */
  thenStart: boolean;
}

/** A systemd-like service manager over simulated processes, with the exit journal it writes. */
export class SimWorld {
  readonly procs = new Map<string, Proc>();
  readonly journal: ExitRecord[] = [];
  private pid = 1000;

  constructor(private readonly clock: FakeClock) {}

  add(service: string, spec: SimServiceSpec, requires: string | null = null): void {
    const now = this.clock.now();
    const p: Proc = {
      spec,
      active: 'inactive',
      sub: 'dead',
      pid: null,
      since: now,
      restarts: 0,
      result: 'success',
      autoStarts: [],
      hung: false,
      hungProcess: false,
      broken: false,
      requires: null,
      waitStart: null,
      metrics: spec.metrics ? new SimMetrics(now) : null,
      next: null,
      thenStart: false,
    };
    this.procs.set(service, p);
    this.startProcess(service, p, now - 3_600_000, true); // running (and warm) for an hour already
    p.requires = requires;
  }

  /** The service's metrics endpoint (Prometheus text); it answers only while the process runs. */
  metricsText(service: string): string {
    const p = this.procs.get(service);
    if (!p?.metrics || p.active !== 'active' || p.hung || p.hungProcess)
      throw new Error('connection refused');
    return p.metrics.text(this.clock.now());
  }

  memoryBytes(service: string): number | null {
    const p = this.procs.get(service);
    return p?.metrics && p.active === 'active' ? p.metrics.memoryBytes() : null;
  }

  /** Runs every transition due up to `to`, in time order. */
  advance(to: number): void {
    for (;;) {
      let first: [string, Proc] | null = null;
      for (const e of this.procs)
        if (e[1].next && e[1].next.at <= to && (!first || e[1].next.at < first[1].next!.at)) first = e;
      if (!first) return;
      const [name, p] = first;
      const { at, what } = p.next!;
      p.next = null;
      if (what === 'start') this.startProcess(name, p, at, false);
      else if (what === 'crash')
        this.exit(name, p, at, { result: 'exit-code', how: 'exited', code: 1, signal: null });
      else if (what === 'begin-stop') this.beginStop(p, at);
      else if (what === 'wait-check') this.waitCheck(name, p, at);
      else this.stopped(name, p, at, what === 'stop-killed');
    }
  }

  act(
    service: string,
    action: 'kill9' | 'sigterm' | 'hang' | 'unhang' | 'hang-process' | 'break' | 'fix' | MetricAction,
  ): void {
    const p = this.procs.get(service)!;
    const now = this.clock.now();
    if (isMetricAction(action)) p.metrics!.set(action, now);
    else if (action === 'hang-process') p.hungProcess = true;
    else if (action === 'hang' || action === 'unhang') p.hung = action === 'hang';
    else if (action === 'break' || action === 'fix') p.broken = action === 'break';
    else if (p.active === 'active' && p.pid !== null) {
      this.exit(
        service,
        p,
        now,
        action === 'kill9'
          ? { result: 'signal', how: 'killed', code: null, signal: 'KILL' }
          : { result: 'success', how: 'killed', code: null, signal: 'TERM' },
      );
    }
    if (action === 'break' && p.active === 'active')
      this.exit(service, p, now, { result: 'exit-code', how: 'exited', code: 1, signal: null });
  }

  /** The manager's commands (what SystemdManager does through systemctl). */
  command(services: readonly string[], verb: 'start' | 'stop' | 'restart'): void {
    const now = this.clock.now();
    for (const s of services) {
      const p = this.procs.get(s)!;
      const running = p.active === 'active' || p.active === 'deactivating';
      if (verb === 'start') {
        if (!running) this.startProcess(s, p, now, true);
      } else if (running) {
        p.thenStart = verb === 'restart';
        // Requires=: its dependents are stopped (and restarted) with it, before it (After= reversed).
        let after = 0;
        for (const q of this.procs.values()) {
          if (
            q.requires !== s ||
            !(q.active === 'active' || q.active === 'activating' || q.active === 'deactivating')
          )
            continue;
          q.thenStart = verb === 'restart';
          if (q.active !== 'deactivating') this.beginStop(q, now);
          after = Math.max(after, q.spec.stopMs);
        }
        if (p.active === 'active' && after === 0) this.beginStop(p, now);
        else if (p.active === 'active') p.next = { at: now + after, what: 'begin-stop' };
      } else {
        p.next = null; // a pending auto-restart is cancelled by stop, replaced by restart
        if (verb === 'restart') this.startProcess(s, p, now, true);
        else this.set(p, 'inactive', 'dead', null, now);
      }
    }
  }

  status(services: readonly string[]): ObservedStatus[] {
    return services.map((s) => {
      const p = this.procs.get(s)!;
      const note = p.waitStart !== null && p.requires ? { note: `waiting for ${p.requires}` } : {};
      return {
        service: s,
        unit: `vigil-${s}.service`,
        loaded: true,
        active: p.active,
        sub: p.sub,
        pid: p.pid,
        restarts: p.restarts,
        result: p.result,
        lastExit: null,
        since: p.since,
        memoryBytes: null,
        cpuNsec: null,
        ...note,
      };
    });
  }

  alive(pid: number): boolean {
    for (const p of this.procs.values())
      if (p.pid === pid && (p.active === 'active' || p.active === 'deactivating')) return true;
    return false;
  }

  /** What the service's endpoint answers to a probe started now, and when the answer arrives. */
  probe(service: string, timeoutMs: number): { result: ProbeResult; dueAt: number } {
    const p = this.procs.get(service)!;
    const at = this.clock.now();
    const base = { latencyMs: 1, reported: null, checks: null, at };
    if (p.active !== 'active' || p.pid === null)
      return {
        result: { ...base, health: 'down', httpStatus: null, error: 'connection refused' },
        dueAt: at,
      };
    if (p.hung || p.hungProcess)
      return {
        result: { ...base, health: 'down', httpStatus: null, error: `timed out after ${timeoutMs} ms` },
        dueAt: at + timeoutMs,
      };
    if (at - p.since < p.spec.warmupMs)
      return {
        result: { ...base, health: 'down', httpStatus: null, error: 'connection refused' },
        dueAt: at,
      };
    return { result: { ...base, health: 'healthy', httpStatus: 200, error: null }, dueAt: at };
  }

  private set(p: Proc, active: Proc['active'], sub: string, pid: number | null, at: number): void {
    p.active = active;
    p.sub = sub;
    p.pid = pid;
    p.since = at;
  }

  private startProcess(service: string, p: Proc, at: number, manual: boolean): void {
    if (manual) {
      p.restarts = 0;
      p.autoStarts = [];
      p.result = 'success';
    }
    p.hungProcess = false;
    if (p.requires) {
      // vigil-launch runs first and waits for the dependency's probe (the unit stays "activating").
      this.set(p, 'activating', 'start', ++this.pid, at);
      p.waitStart = at;
      p.next = { at: at + 1000, what: 'wait-check' };
      return;
    }
    this.set(p, 'active', 'running', ++this.pid, at);
    p.next = p.broken ? { at: at + 500, what: 'crash' } : null;
  }

  /** Whether the service's probe would pass now (what the launcher's --wait-for checks). */
  private healthyAt(service: string, at: number): boolean {
    const d = this.procs.get(service);
    return (
      !!d &&
      d.active === 'active' &&
      d.pid !== null &&
      !d.hung &&
      !d.hungProcess &&
      at - d.since >= d.spec.warmupMs &&
      d.next?.what !== 'begin-stop'
    );
  }

  private waitCheck(service: string, p: Proc, at: number): void {
    if (this.healthyAt(p.requires!, at)) {
      p.waitStart = null;
      this.set(p, 'active', 'running', p.pid, at);
      p.next = p.broken ? { at: at + 500, what: 'crash' } : null;
    } else if (at - p.waitStart! >= 62_000) {
      p.waitStart = null;
      this.exit(service, p, at, { result: 'exit-code', how: 'exited', code: 75, signal: null }); // vigil-launch gave up
    } else p.next = { at: at + 1000, what: 'wait-check' };
  }

  private beginStop(p: Proc, at: number): void {
    p.waitStart = null;
    this.set(p, 'deactivating', 'stop-sigterm', p.pid, at);
    // Past its stop timeout the manager kills it (systemd: SIGKILL, Result=timeout).
    p.next =
      p.spec.stopMs > p.spec.stopTimeoutMs
        ? { at: at + p.spec.stopTimeoutMs, what: 'stop-killed' }
        : { at: at + p.spec.stopMs, what: 'stopped' };
  }

  private stopped(service: string, p: Proc, at: number, killed = false): void {
    this.record(
      service,
      at,
      killed
        ? { result: 'timeout', how: 'killed', code: null, signal: 'KILL' }
        : { result: 'success', how: 'killed', code: null, signal: 'TERM' },
    );
    this.set(p, 'inactive', 'dead', null, at);
    if (p.thenStart) {
      p.thenStart = false;
      this.startProcess(service, p, at, true);
    }
  }

  private exit(
    service: string,
    p: Proc,
    at: number,
    how: Pick<ExitRecord, 'result' | 'how' | 'code' | 'signal'>,
  ): void {
    this.record(service, at, how);
    const failure = how.result !== 'success';
    const restart = p.spec.policy === 'always' || (p.spec.policy === 'on-failure' && failure);
    if (!restart) {
      p.result = how.result;
      this.set(p, failure ? 'failed' : 'inactive', failure ? 'failed' : 'dead', null, at);
      p.next = null;
      return;
    }
    p.autoStarts = p.autoStarts.filter((t) => t > at - p.spec.limitIntervalSec * 1000);
    if (p.autoStarts.length >= p.spec.burst) {
      p.result = 'start-limit-hit';
      this.set(p, 'failed', 'failed', null, at);
      p.next = null;
      return;
    }
    p.autoStarts.push(at);
    p.restarts++;
    this.set(p, 'activating', 'auto-restart', null, at);
    p.next = { at: at + p.spec.delaySec * 1000, what: 'start' };
  }

  private record(
    service: string,
    at: number,
    how: Pick<ExitRecord, 'result' | 'how' | 'code' | 'signal'>,
  ): void {
    this.journal.push({ offset: this.journal.length, at, service, ...how });
  }
}

/** Probes answered by the world, each arriving when it would (a hung endpoint after its timeout). */
class SimProber implements HealthProber {
  private readonly waiting: { dueAt: number; resolve: () => void }[] = [];

  constructor(
    private readonly world: SimWorld,
    private readonly clock: FakeClock,
  ) {}

  probe(spec: ProbeSpec, timeoutMs: number): Promise<ProbeResult> {
    if (spec.kind !== 'http') throw new Error(`the simulator probes sim:// URLs only, not ${spec.kind}`);
    const { result, dueAt } = this.world.probe(spec.url.slice('sim://'.length), timeoutMs);
    if (dueAt <= this.clock.now()) return Promise.resolve(result);
    return new Promise((resolve) => this.waiting.push({ dueAt, resolve: () => resolve(result) }));
  }

  release(now: number): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.dueAt <= now) this.waiting.splice(i, 1)[0]!.resolve();
    }
  }
}

/** The agent's alerting path: supervisor tick → health tick (and liveness) → metric rules → alert engine, with its state persisted. */
class SimAgent {
  readonly supervisor: Supervisor;
  readonly health: HealthMonitor;
  readonly engine: AlertEngine;
  readonly liveness: Liveness;
  readonly metrics: MetricAlerts;

  constructor(
    store: SqliteStore,
    world: SimWorld,
    clock: FakeClock,
    prober: HealthProber,
    manager: ServiceManager,
    saved: Saved,
  ) {
    const observer = {
      status: async (names: readonly string[]) => world.status(names),
      listInstalled: async () => [],
    } as unknown as ServiceManager;
    let read = 0;
    const journal = {
      readSince: async (offset: number) => {
        read = world.journal.length;
        return { records: world.journal.slice(offset), next: read };
      },
    };
    this.supervisor = new Supervisor({
      manager: observer,
      store,
      journal,
      clock,
      logger: pino({ level: 'silent' }),
      readLogTail: async () => [],
      driftEveryMs: 3_600_000,
    });
    this.health = new HealthMonitor(prober, saved.health);
    this.engine = new AlertEngine(SIM_ALERTS, 'UTC', saved.engine);
    // As the agent wires it (daemon/monitor-module.ts): restarts keep the crash episode, count as failures.
    this.liveness = new Liveness({
      manager: new IntentRecordingManager(manager, () => store, clock, { keepCrashes: true }),
      record: (events) => this.supervisor.record(events),
      countFailure: (service, at) => this.supervisor.noteFailure(service, at),
      released: (service) => this.health.releaseRestart(service),
      onError: (err) => {
        throw err;
      },
    });
    this.metrics = new MetricAlerts(
      { fetcher: { fetch: async (url) => world.metricsText(url.slice('sim-metrics://'.length)) } },
      saved.daily,
    );
    this.metrics.tracker.seed(
      this.engine.firing().filter((a) => METRIC_IDS.has(a.rule)),
      clock.now(),
    );
  }
}

const METRIC_IDS: ReadonlySet<string> = new Set(Object.values(METRIC_RULE_IDS));

interface Saved {
  health: Record<string, HealthSnapshot>;
  engine: EngineState;
  daily: Record<string, DailyMinute[]>;
}

interface Sent {
  at: number;
  rule: AlertRule;
  service: string;
}

interface SimService {
  c: SimCase;
  name: string;
  spec: SimServiceSpec;
  /** The case's dependency (a service of its own), for the case's main service. */
  dep: string | null;
  /** This is a case's dependency, not its main service. */
  isDep: boolean;
}

function serviceSpec(s: SimService): ServiceSpec {
  const { spec, name } = s;
  const waitFor =
    !s.isDep && s.dep
      ? [{ service: s.dep, probe: { kind: 'http', url: `sim://${s.dep}` }, timeoutSec: 2 }]
      : undefined;
  return {
    name,
    command: ['/bin/true'],
    dependsOn: waitFor ? [s.dep] : [],
    ...(waitFor ? { waitFor } : {}),
    limits: spec.metrics ? { memoryBytes: 100 * 1048576 } : {},
    restart: {
      policy: spec.policy,
      delaySec: spec.delaySec,
      burst: spec.burst,
      intervalSec: spec.limitIntervalSec,
    },
    stopTimeoutSec: spec.stopTimeoutMs / 1000,
    health: spec.probed
      ? {
          probe: { kind: 'http', url: `sim://${name}` },
          intervalSec: spec.intervalSec,
          timeoutSec: spec.timeoutSec,
          stableSec: spec.stableSec,
          ...(spec.restartAfterFailures ? { restartAfterFailures: spec.restartAfterFailures } : {}),
        }
      : undefined,
    ...(spec.metrics
      ? {
          metrics: { url: `sim-metrics://${name}`, intervalSec: 5 },
          metricAlerts: resolveMetricRules({}, s.isDep ? {} : s.c.metricRules),
        }
      : {}),
  } as unknown as ServiceSpec;
}

/** A day of steady traffic before the case (100 tokens per request): the norm of the tokens-per-request rule. */
function dayOfHistory(t0: number): DailyMinute[] {
  const out: DailyMinute[] = [];
  for (let m = 1439; m >= 1; m--)
    out.push({ minute: Math.floor((t0 - m * 60_000) / 60_000) * 60_000, tokens: 60_000, requests: 600 });
  return out;
}

/** Runs the phases one after another on one clock, one agent tick per second. */
export async function runSimulation(phases: readonly SimPhase[]): Promise<SimReport> {
  const wall = performance.now();
  const clock = new FakeClock(Date.UTC(2026, 11, 2, 2, 0, 0));
  const world = new SimWorld(clock);
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sim-'));
  const store = SqliteStore.open(path.join(dir, 'vigil.db'));
  const prober = new SimProber(world, clock);
  const worldManager = {
    backend: 'systemd',
    start: async (s: readonly string[]) => world.command(s, 'start'),
    stop: async (s: readonly string[]) => world.command(s, 'stop'),
    restart: async (s: readonly string[]) => world.command(s, 'restart'),
  } as unknown as ServiceManager;
  const manager = new IntentRecordingManager(worldManager, () => store, clock);
  const saved: Saved = { health: {}, engine: { alerts: [], held: [] }, daily: {} };
  const sent: Sent[] = [];
  const results: CaseResult[] = [];
  let ticks = 0;
  let simulated = 0;
  try {
    for (const phase of phases) {
      const t0 = clock.now();
      const services: SimService[] = phase.cases.flatMap((c) => {
        const name = `${c.name}${phase.suffix}`;
        const dep = c.dependency ? `${name}-dep` : null;
        const main: SimService = { c, name, spec: { ...SIM_DEFAULTS, ...c.service }, dep, isDep: false };
        return dep
          ? [{ c, name: dep, spec: { ...SIM_DEFAULTS, ...c.dependency }, dep, isDep: true }, main]
          : [main];
      });
      for (const s of services) {
        store.upsertService({
          name: s.name,
          unit: `vigil-${s.name}.service`,
          spec: serviceSpec(s),
          hash: 'h',
          installedAt: t0,
          updatedAt: t0,
        });
        world.add(s.name, s.spec, s.isDep ? null : s.dep);
        // Installed long ago and healthy: the first minutes of a case are ordinary running.
        saved.health[s.name] = {
          health: 'healthy',
          since: t0 - 3_600_000,
          streakSince: t0 - 3_600_000,
          reason: 'probe: HTTP 200',
          raw: 'healthy',
          rawSince: t0 - 3_600_000,
        };
        if (s.spec.metrics) saved.daily[s.name] = dayOfHistory(t0);
      }
      const mains = services.filter((s) => !s.isDep);
      const script = mains
        .flatMap((s) =>
          s.c.script.map(([at, action, who]) => ({
            at: t0 + at * 1000,
            service: who === 'dep' ? s.dep! : s.name,
            action,
          })),
        )
        .sort((a, b) => a.at - b.at);
      const stale: { service: string; rule: AlertRule; at: number }[] = mains.flatMap((s) =>
        (s.c.clearBy ?? []).map((x) => ({ service: s.name, rule: x.rule, at: t0 + x.at * 1000 })),
      );
      const staleHits = new Map<string, string[]>();
      let agent: SimAgent | null = new SimAgent(store, world, clock, prober, manager, saved);
      for (let sec = 0; sec <= phase.durationSec; sec++) {
        const now = t0 + sec * 1000;
        await clock.set(now);
        // the world moves in real time order: scripted actions and the manager's own transitions
        while (script.length > 0 && script[0]!.at <= now) {
          const step = script.shift()!;
          world.advance(step.at);
          if (
            step.action === 'vigil-stop' ||
            step.action === 'vigil-start' ||
            step.action === 'vigil-restart'
          )
            await manager[step.action.slice(6) as 'stop' | 'start' | 'restart']([step.service]);
          else if (step.action === 'outside-start') world.command([step.service], 'start');
          else world.act(step.service, step.action);
        }
        world.advance(now);
        prober.release(now);
        await new Promise((r) => setImmediate(r));
        const down = phase.agentDown && sec >= phase.agentDown[0] && sec < phase.agentDown[1];
        if (down) {
          if (agent) {
            saved.health = agent.health.snapshot();
            saved.engine = agent.engine.state();
            saved.daily = { ...saved.daily, ...agent.metrics.dailySnapshot() };
            agent = null;
          }
          continue;
        }
        agent ??= new SimAgent(store, world, clock, prober, manager, saved);
        ticks++;
        await agent.supervisor.tick();
        const status = agent.supervisor.currentStatus();
        const records = store.listServices();
        const h = agent.health.tick(records, status, now);
        if (h.events.length > 0) agent.supervisor.record(h.events);
        agent.liveness.restart(h.restarts, now);
        const states = new Map(status.services.map((x) => [x.name, x.state]));
        const extra = agent.metrics.tick(
          records,
          {
            state: (n) => states.get(n),
            memoryBytes: (n) => world.memoryBytes(n),
            hourlyUsd: SIM_HOURLY_USD,
          },
          now,
        );
        const out = agent.engine.step({
          services: alertViews(
            status,
            (n) => agent!.health.view(n),
            (n) => agent!.supervisor.intentOf(n),
          ),
          oneShots: [],
          now,
          extra,
        });
        for (const n of [...out.send, ...out.held])
          if (n.kind === 'firing' && n.rule && n.service)
            sent.push({ at: now, rule: n.rule, service: n.service });
        for (const x of stale) {
          if (
            x.at === now &&
            agent.engine.firing().some((a) => a.service === x.service && a.rule === x.rule)
          ) {
            staleHits.set(x.service, [
              ...(staleHits.get(x.service) ?? []),
              `${x.rule} still firing at ${(x.at - t0) / 1000} s`,
            ]);
          }
        }
      }
      await agent?.liveness.settle();
      await agent?.metrics.settle();
      saved.health = agent?.health.snapshot() ?? saved.health;
      saved.engine = agent?.engine.state() ?? saved.engine;
      for (const s of mains) {
        const names = s.dep ? [s.name, s.dep] : [s.name];
        const events = (s.c.events ?? []).map((e) => ({
          ...e,
          seen: store.queryEvents({
            service: e.service === 'dep' ? s.dep! : s.name,
            types: [e.type],
            since: t0,
            limit: 1000,
          }).length,
        }));
        results.push(
          score(
            s,
            t0,
            sent.filter((x) => names.includes(x.service)),
            staleHits.get(s.name) ?? [],
            events,
          ),
        );
      }
      // the phase's services leave (the next phase's are new)
      for (const s of services) {
        store.removeService(s.name);
        world.procs.delete(s.name);
        delete saved.daily[s.name];
      }
      await clock.set(t0 + (phase.durationSec + 1) * 1000);
      simulated += phase.durationSec + 1;
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    simulatedSec: simulated,
    ticks,
    cases: results,
    falsePages: results.reduce((a, r) => a + r.falsePages.length + r.stale.length, 0),
    missed: results.reduce((a, r) => a + r.missed.length, 0),
    stale: results.reduce((a, r) => a + r.stale.length, 0),
    wallMs: Math.round(performance.now() - wall),
  };
}

function score(
  s: SimService,
  t0: number,
  sent: readonly Sent[],
  stale: string[],
  events: readonly { type: EventType; count: number; service?: 'dep'; seen: number }[],
): CaseResult {
  const { c, spec } = s;
  const left = [...sent];
  const missed: string[] = [];
  const falsePages: string[] = [];
  const latencies: number[] = [];
  for (const p of c.pages) {
    const from = t0 + p.at * 1000;
    const deadline = from + (p.windowSec + spec.intervalSec) * 1000;
    const who = p.service === 'dep' ? s.dep! : s.name;
    const i = left.findIndex(
      (x) => x.rule === p.rule && x.service === who && x.at >= from && x.at <= deadline,
    );
    if (i < 0) {
      missed.push(
        `${p.rule}${p.service === 'dep' ? ' (dependency)' : ''} from ${p.at} s not paged by ${(deadline - t0) / 1000} s`,
      );
      continue;
    }
    latencies.push((left[i]!.at - from) / 1000);
    left.splice(i, 1);
  }
  for (const e of events) {
    const whose = e.service === 'dep' ? ' (dependency)' : '';
    if (e.seen < e.count) missed.push(`${e.count - e.seen} ${e.type} event(s)${whose} not recorded`);
    if (e.seen > e.count)
      falsePages.push(`${e.seen - e.count} ${e.type} event(s)${whose} more than expected`);
  }
  return {
    service: s.name,
    case: c.name,
    truePages: c.pages.length,
    sent: sent.length,
    falsePages: [
      ...left.map(
        (x) => `${x.rule}${x.service === s.name ? '' : ` (${x.service})`} at ${(x.at - t0) / 1000} s`,
      ),
      ...falsePages,
    ],
    missed,
    stale,
    latencies,
  };
}
