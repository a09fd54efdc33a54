/**
 * The alert-precision simulator: scripted cases against the REAL supervisor (core/supervise through the
 * Supervisor class, on a real SQLite store), the real health monitor and state machine, the real alert
 * engine and the real intent-recording ServiceManager wrapper, on a fake clock with no network. Only
 * the outside world is simulated: a systemd-like manager (restart policy and delay, start limit, slow
 * stops, the exit journal) and the services' probe endpoints (warm-up, hangs that time out).
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
import { HealthMonitor } from '../../agent/app/health-monitor.js';
import { IntentRecordingManager } from '../../agent/app/intents.js';
import { alertViews } from '../../agent/app/alert-views.js';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { HealthProber, ProbeSpec } from '../../agent/ports/health-prober.js';
import { FakeClock } from './fake-clock.js';

export type SimAction =
  /** SIGKILL from outside: a crash; the manager restarts it per policy. */
  | 'kill9'
  /** SIGTERM from outside Vigil: a clean exit to the manager, a `killed` event to Vigil. */
  | 'sigterm'
  /** The endpoint stops answering (probes time out) while the process runs; `unhang` ends it. */
  | 'hang'
  | 'unhang'
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
}

export interface TruePage {
  rule: AlertRule;
  /** When the condition became true (s from the case's start). */
  at: number;
  /** Its window (downForSec for service-down, 0 for crash-loop), s. */
  windowSec: number;
}

export interface SimCase {
  name: string;
  /** What it is about, for the results table. */
  what: string;
  service?: Partial<SimServiceSpec>;
  script: readonly [number, SimAction][];
  pages: readonly TruePage[];
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
};

export const SIM_ALERTS: AlertsConfig = { ...DEFAULT_ALERTS, downForSec: 15, degradedForSec: 120, cooldownSec: 600 };

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
  broken: boolean;
  /** The next transition the manager or the process makes by itself. */
  next: { at: number; what: 'start' | 'crash' | 'stopped' } | null;
  /** After a stop in progress: start again (a restart). */
  thenStart: boolean;
}

/** A systemd-like service manager over simulated processes, with the exit journal it writes. */
export class SimWorld {
  readonly procs = new Map<string, Proc>();
  readonly journal: ExitRecord[] = [];
  private pid = 1000;

  constructor(private readonly clock: FakeClock) {}

  add(service: string, spec: SimServiceSpec): void {
    const p: Proc = { spec, active: 'inactive', sub: 'dead', pid: null, since: this.clock.now(), restarts: 0, result: 'success', autoStarts: [], hung: false, broken: false, next: null, thenStart: false };
    this.procs.set(service, p);
    this.startProcess(service, p, this.clock.now() - 3_600_000, true); // running (and warm) for an hour already
  }

  /** Runs every transition due up to `to`, in time order. */
  advance(to: number): void {
    for (;;) {
      let first: [string, Proc] | null = null;
      for (const e of this.procs) if (e[1].next && e[1].next.at <= to && (!first || e[1].next.at < first[1].next!.at)) first = e;
      if (!first) return;
      const [name, p] = first;
      const { at, what } = p.next!;
      p.next = null;
      if (what === 'start') this.startProcess(name, p, at, false);
      else if (what === 'crash') this.exit(name, p, at, { result: 'exit-code', how: 'exited', code: 1, signal: null });
      else this.stopped(name, p, at);
    }
  }

  act(service: string, action: 'kill9' | 'sigterm' | 'hang' | 'unhang' | 'break' | 'fix'): void {
    const p = this.procs.get(service)!;
    const now = this.clock.now();
    if (action === 'hang' || action === 'unhang') p.hung = action === 'hang';
    else if (action === 'break' || action === 'fix') p.broken = action === 'break';
    else if (p.active === 'active' && p.pid !== null) {
      this.exit(service, p, now, action === 'kill9' ? { result: 'signal', how: 'killed', code: null, signal: 'KILL' } : { result: 'success', how: 'killed', code: null, signal: 'TERM' });
    }
    if (action === 'break' && p.active === 'active') this.exit(service, p, now, { result: 'exit-code', how: 'exited', code: 1, signal: null });
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
        if (p.active === 'active') this.beginStop(p, now);
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
      return { service: s, unit: `vigil-${s}.service`, loaded: true, active: p.active, sub: p.sub, pid: p.pid, restarts: p.restarts, result: p.result, lastExit: null, since: p.since, memoryBytes: null, cpuNsec: null };
    });
  }

  alive(pid: number): boolean {
    for (const p of this.procs.values()) if (p.pid === pid && (p.active === 'active' || p.active === 'deactivating')) return true;
    return false;
  }

  /** What the service's endpoint answers to a probe started now, and when the answer arrives. */
  probe(service: string, timeoutMs: number): { result: ProbeResult; dueAt: number } {
    const p = this.procs.get(service)!;
    const at = this.clock.now();
    const base = { latencyMs: 1, reported: null, checks: null, at };
    if (p.active !== 'active' || p.pid === null) return { result: { ...base, health: 'down', httpStatus: null, error: 'connection refused' }, dueAt: at };
    if (p.hung) return { result: { ...base, health: 'down', httpStatus: null, error: `timed out after ${timeoutMs} ms` }, dueAt: at + timeoutMs };
    if (at - p.since < p.spec.warmupMs) return { result: { ...base, health: 'down', httpStatus: null, error: 'connection refused' }, dueAt: at };
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
    this.set(p, 'active', 'running', ++this.pid, at);
    p.next = p.broken ? { at: at + 500, what: 'crash' } : null;
  }

  private beginStop(p: Proc, at: number): void {
    this.set(p, 'deactivating', 'stop-sigterm', p.pid, at);
    p.next = { at: at + p.spec.stopMs, what: 'stopped' };
  }

  private stopped(service: string, p: Proc, at: number): void {
    this.record(service, at, { result: 'success', how: 'killed', code: null, signal: 'TERM' });
    this.set(p, 'inactive', 'dead', null, at);
    if (p.thenStart) {
      p.thenStart = false;
      this.startProcess(service, p, at, true);
    }
  }

  private exit(service: string, p: Proc, at: number, how: Pick<ExitRecord, 'result' | 'how' | 'code' | 'signal'>): void {
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

  private record(service: string, at: number, how: Pick<ExitRecord, 'result' | 'how' | 'code' | 'signal'>): void {
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

/** The agent's alerting path: supervisor tick → health tick → alert engine, with its state persisted. */
class SimAgent {
  readonly supervisor: Supervisor;
  readonly health: HealthMonitor;
  readonly engine: AlertEngine;

  constructor(store: SqliteStore, world: SimWorld, clock: FakeClock, prober: HealthProber, saved: { health: Record<string, HealthSnapshot>; engine: EngineState }) {
    const manager = { status: async (names: readonly string[]) => world.status(names), listInstalled: async () => [] } as unknown as ServiceManager;
    let read = 0;
    const journal = {
      readSince: async (offset: number) => {
        read = world.journal.length;
        return { records: world.journal.slice(offset), next: read };
      },
    };
    this.supervisor = new Supervisor({ manager, store, journal, clock, logger: pino({ level: 'silent' }), readLogTail: async () => [], isAlive: (pid) => world.alive(pid), driftEveryMs: 3_600_000 });
    this.health = new HealthMonitor(prober, saved.health);
    this.engine = new AlertEngine(SIM_ALERTS, 'UTC', saved.engine);
  }
}

interface Sent {
  at: number;
  rule: AlertRule;
  service: string;
}

/** Runs the phases one after another on one clock, one agent tick per second. */
export async function runSimulation(phases: readonly SimPhase[]): Promise<SimReport> {
  const wall = performance.now();
  const clock = new FakeClock(Date.UTC(2026, 11, 2, 2, 0, 0));
  const world = new SimWorld(clock);
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sim-'));
  const store = SqliteStore.open(path.join(dir, 'vigil.db'));
  const prober = new SimProber(world, clock);
  const manager = new IntentRecordingManager(
    {
      backend: 'systemd',
      start: async (s: readonly string[]) => world.command(s, 'start'),
      stop: async (s: readonly string[]) => world.command(s, 'stop'),
      restart: async (s: readonly string[]) => world.command(s, 'restart'),
    } as unknown as ServiceManager,
    () => store,
    clock,
  );
  const saved = { health: {} as Record<string, HealthSnapshot>, engine: { alerts: [], held: [] } as EngineState };
  const sent: Sent[] = [];
  const results: CaseResult[] = [];
  let ticks = 0;
  let simulated = 0;
  try {
    for (const phase of phases) {
      const t0 = clock.now();
      const services = phase.cases.map((c) => ({ c, name: `${c.name}${phase.suffix}`, spec: { ...SIM_DEFAULTS, ...c.service } }));
      for (const s of services) {
        const spec = {
          name: s.name,
          command: ['/bin/true'],
          limits: {},
          restart: { policy: s.spec.policy, delaySec: s.spec.delaySec, burst: s.spec.burst, intervalSec: s.spec.limitIntervalSec },
          health: s.spec.probed ? { probe: { kind: 'http', url: `sim://${s.name}` }, intervalSec: s.spec.intervalSec, timeoutSec: s.spec.timeoutSec, stableSec: s.spec.stableSec } : undefined,
        } as unknown as ServiceSpec;
        store.upsertService({ name: s.name, unit: `vigil-${s.name}.service`, spec, hash: 'h', installedAt: t0, updatedAt: t0 });
        world.add(s.name, s.spec);
        // Installed long ago and healthy: the first minutes of a case are ordinary running.
        saved.health[s.name] = { health: 'healthy', since: t0 - 3_600_000, streakSince: t0 - 3_600_000, reason: 'probe: HTTP 200', raw: 'healthy', rawSince: t0 - 3_600_000 };
      }
      const script = services.flatMap((s) => s.c.script.map(([at, action]) => ({ at: t0 + at * 1000, service: s.name, action }))).sort((a, b) => a.at - b.at);
      const stale: { service: string; rule: AlertRule; at: number }[] = services.flatMap((s) => (s.c.clearBy ?? []).map((x) => ({ service: s.name, rule: x.rule, at: t0 + x.at * 1000 })));
      const staleHits = new Map<string, string[]>();
      let agent: SimAgent | null = new SimAgent(store, world, clock, prober, saved);
      for (let sec = 0; sec <= phase.durationSec; sec++) {
        const now = t0 + sec * 1000;
        await clock.set(now);
        // the world moves in real time order: scripted actions and the manager's own transitions
        while (script.length > 0 && script[0]!.at <= now) {
          const step = script.shift()!;
          world.advance(step.at);
          if (step.action === 'vigil-stop' || step.action === 'vigil-start' || step.action === 'vigil-restart') await manager[step.action.slice(6) as 'stop' | 'start' | 'restart']([step.service]);
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
            agent = null;
          }
          continue;
        }
        agent ??= new SimAgent(store, world, clock, prober, saved);
        ticks++;
        await agent.supervisor.tick();
        const status = agent.supervisor.currentStatus();
        agent.health.tick(store.listServices(), status, now);
        const out = agent.engine.step({ services: alertViews(status, (n) => agent!.health.view(n), (n) => agent!.supervisor.intentOf(n)), oneShots: [], now });
        for (const n of [...out.send, ...out.held]) if (n.kind === 'firing' && n.rule && n.service) sent.push({ at: now, rule: n.rule, service: n.service });
        for (const x of stale) {
          if (x.at === now && agent.engine.firing().some((a) => a.service === x.service && a.rule === x.rule)) {
            staleHits.set(x.service, [...(staleHits.get(x.service) ?? []), `${x.rule} still firing at ${(x.at - t0) / 1000} s`]);
          }
        }
      }
      saved.health = agent?.health.snapshot() ?? saved.health;
      saved.engine = agent?.engine.state() ?? saved.engine;
      for (const s of services) results.push(score(s.c, s.name, s.spec, t0, sent.filter((x) => x.service === s.name), staleHits.get(s.name) ?? []));
      // the phase's services leave (the next phase's are new)
      for (const s of services) {
        store.removeService(s.name);
        world.procs.delete(s.name);
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

function score(c: SimCase, service: string, spec: SimServiceSpec, t0: number, sent: readonly Sent[], stale: string[]): CaseResult {
  const left = [...sent];
  const missed: string[] = [];
  const latencies: number[] = [];
  for (const p of c.pages) {
    const from = t0 + p.at * 1000;
    const deadline = from + (p.windowSec + spec.intervalSec) * 1000;
    const i = left.findIndex((x) => x.rule === p.rule && x.at >= from && x.at <= deadline);
    if (i < 0) {
      missed.push(`${p.rule} from ${p.at} s not paged by ${(deadline - t0) / 1000} s`);
      continue;
    }
    latencies.push((left[i]!.at - from) / 1000);
    left.splice(i, 1);
  }
  return {
    service,
    case: c.name,
    truePages: c.pages.length,
    sent: sent.length,
    falsePages: left.map((x) => `${x.rule} at ${(x.at - t0) / 1000} s`),
    missed,
    stale,
    latencies,
  };
}
