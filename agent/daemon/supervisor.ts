/**
 * The supervisor's tick: one batched status call, the exit journal since the last offset, the pure state
 * machine per service, and one transaction that stores events, snapshots and the offset together, so a
 * crash of the agent at any point neither loses nor duplicates events.
 */
import type { Logger } from 'pino';
import type { NewEvent, VigilEvent } from '../core/events.js';
import type { StatusDoc } from '../core/status.js';
import type { ExitRecord, LogEnd, ObservedStatus } from '../core/observed.js';
import { exitEventKey, step } from '../core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../core/supervise/model.js';
import { serviceStatus } from '../core/supervise/view.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { ExitJournal } from '../ports/exit-journal.js';
import type { Clock } from '../ports/clock.js';
import type { LogTailReader } from '../ports/log-reader.js';
import { SNAPSHOTS_KEY } from '../app/status.js';
import { processAlive } from '../adapters/process/alive.js';

export { SNAPSHOTS_KEY };

export const JOURNAL_OFFSET_KEY = 'supervisor.exitsOffset';
const LOG_TAIL_LINES = 20;
const TAIL_EVENTS = new Set(['crashed', 'oom-killed', 'crashloop', 'start-limit-hit']);

export interface SupervisorDeps {
  manager: ServiceManager;
  store: Store;
  journal: ExitJournal;
  clock: Clock;
  logger: Logger;
  /** With `until`, the lines before where a dead process's output ended (its exit record says where). */
  readLogTail: LogTailReader;
  /** How often unit files are re-read for drift (ms); default 10 s. */
  driftEveryMs?: number;
  /**
   * How often the manager is asked even when nothing suggests a change (ms); default 5 s. Between those
   * polls a tick costs a few syscalls: the exit journal's size and a liveness check of each main PID; any
   * exit, vanished PID or unit in transition makes that tick poll the manager at once.
   */
  fullPollEveryMs?: number;
  /** Whether a process is alive (default: kill(pid, 0)); injected in tests. */
  isAlive?: (pid: number) => boolean;
}

const STEADY = new Set(['active', 'inactive', 'failed']);

export class Supervisor {
  private snapshots: Record<string, ServiceSnapshot>;
  private offset: number;
  private status: StatusDoc = { services: [] };
  private lastDriftCheck = -Infinity;
  private lastPoll = -Infinity;
  private observed = new Map<string, ObservedStatus>();
  private readonly listeners = new Set<(e: VigilEvent) => void>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SupervisorDeps) {
    this.snapshots = deps.store.getState<Record<string, ServiceSnapshot>>(SNAPSHOTS_KEY) ?? {};
    this.offset = deps.store.getState<number>(JOURNAL_OFFSET_KEY) ?? 0;
  }

  /**
   * Runs one tick that starts after this call (ticks never overlap); resolves with the events it stored.
   * `full` asks the manager whatever the cheap checks say (after a command, for a fresh answer).
   */
  tick(opts: { full?: boolean } = {}): Promise<VigilEvent[]> {
    const t = this.chain.then(() => this.doTick(opts.full === true));
    this.chain = t.catch(() => undefined);
    return t;
  }

  currentStatus(): StatusDoc {
    return this.status;
  }

  subscribe(listener: (e: VigilEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records an event that did not come from a tick (agent start/stop), and publishes it. */
  record(events: NewEvent[]): VigilEvent[] {
    const inserted = this.deps.store.appendEvents(events);
    this.publish(inserted);
    return inserted;
  }

  private async doTick(forceFull: boolean): Promise<VigilEvent[]> {
    const { manager, store, journal, clock } = this.deps;
    const services = store.listServices();
    const names = services.map((s) => s.name);
    const { records, next } = await journal.readSince(this.offset);
    const now = clock.now();
    let observed: ObservedStatus[];
    if (forceFull || records.length > 0 || this.mustPoll(names, now)) {
      observed = await manager.status(names);
      this.observed = new Map(observed.map((o) => [o.service, o]));
      this.lastPoll = now;
    } else {
      observed = names.map((n) => this.observed.get(n)!);
    }
    const drift = await this.maybeCheckDrift(now);

    const exitsBy = groupExits(records);
    const byName = new Map(observed.map((o) => [o.service, o]));
    const nextSnapshots: Record<string, ServiceSnapshot> = {};
    const events: NewEvent[] = [];
    const statuses = [];
    for (const svc of services) {
      const o = byName.get(svc.name);
      if (!o) continue;
      const prev = this.snapshots[svc.name] ?? emptySnapshot();
      const d = drift?.get(svc.name);
      const out = step(prev, {
        service: svc.name,
        observed: o,
        exits: exitsBy.get(svc.name) ?? [],
        ...(d ? { drift: d } : {}),
        policy: svc.spec.restart.policy,
        rule: loopRule(svc.spec.restart),
        now,
        ...(svc.spec.command[0] === undefined ? {} : { program: svc.spec.command[0] }),
        restartDelayMs: svc.spec.restart.delaySec * 1000,
      });
      nextSnapshots[svc.name] = out.next;
      events.push(...out.events);
      statuses.push(serviceView(svc, o, out.next, now));
    }
    await this.attachLogTails(events, exitsBy);

    const changed = JSON.stringify(nextSnapshots) !== JSON.stringify(this.snapshots) || next !== this.offset;
    let inserted: VigilEvent[] = [];
    if (changed || events.length > 0) {
      inserted = store.transaction(() => {
        const rows = store.appendEvents(events);
        store.setState(SNAPSHOTS_KEY, nextSnapshots);
        store.setState(JOURNAL_OFFSET_KEY, next);
        return rows;
      });
    }
    this.snapshots = nextSnapshots;
    this.offset = next;
    this.status = { services: statuses };
    this.publish(inserted);
    return inserted;
  }

  /** True when the cached observation may be stale: time, new services, transitions, or a dead main PID. */
  private mustPoll(names: readonly string[], now: number): boolean {
    if (now - this.lastPoll >= (this.deps.fullPollEveryMs ?? 5000)) return true;
    if (names.length !== this.observed.size) return true;
    const alive = this.deps.isAlive ?? processAlive;
    for (const n of names) {
      const o = this.observed.get(n);
      if (!o || !STEADY.has(o.active)) return true;
      if (o.active === 'active' && (o.pid === null || !alive(o.pid))) return true;
    }
    return false;
  }

  private async maybeCheckDrift(now: number): Promise<Map<string, { drifted: boolean; hash: string }> | null> {
    if (now - this.lastDriftCheck < (this.deps.driftEveryMs ?? 10_000)) return null;
    this.lastDriftCheck = now;
    const installed = await this.deps.manager.listInstalled();
    return new Map(installed.map((u) => [u.service, { drifted: u.drifted, hash: u.actualHash }]));
  }

  /**
   * Crash evidence: the lines the dead process wrote. A crash event's tail ends where its exit record
   * says the output ended (so never with the next process's lines, however late the agent reads it);
   * a crash loop or a given-up unit gets that of the service's newest exit in this tick. Exits recorded
   * without that position (older records, a launcher killed outright) get the log's end as it is now.
   */
  private async attachLogTails(events: NewEvent[], exitsBy: ReadonlyMap<string, ExitRecord[]>): Promise<void> {
    const endOf = new Map<string, LogEnd>();
    const newest = new Map<string, LogEnd>();
    for (const [service, recs] of exitsBy) {
      for (const r of recs) {
        const end = r.launcher?.logEnd;
        if (!end) continue;
        endOf.set(exitEventKey(service, r), end);
        newest.set(service, end);
      }
    }
    const wanted = events.filter((e) => e.service && TAIL_EVENTS.has(e.type));
    const reads = new Map<string, Promise<string[]>>();
    const read = (service: string, until: LogEnd | undefined): Promise<string[]> => {
      const id = until ? `${service}@${until.ino}:${until.offset}` : service;
      let p = reads.get(id);
      if (!p) {
        p = this.deps.readLogTail(service, LOG_TAIL_LINES, until).catch((err: unknown) => {
          this.deps.logger.warn({ err, service }, 'could not read log tail');
          return [];
        });
        reads.set(id, p);
      }
      return p;
    };
    await Promise.all(
      wanted.map(async (e) => {
        const until = e.type === 'crashed' || e.type === 'oom-killed' ? endOf.get(e.key) : newest.get(e.service!);
        e.logTail = await read(e.service!, until);
      }),
    );
  }

  private publish(events: VigilEvent[]): void {
    for (const e of events) {
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (err) {
          this.deps.logger.error({ err }, 'event listener failed');
        }
      }
    }
  }
}

function groupExits(records: readonly ExitRecord[]): Map<string, ExitRecord[]> {
  const out = new Map<string, ExitRecord[]>();
  for (const r of records) {
    const list = out.get(r.service) ?? [];
    list.push(r);
    out.set(r.service, list);
  }
  return out;
}

export function serviceView(svc: ServiceRecord, o: ObservedStatus, snap: ServiceSnapshot | undefined, now: number) {
  return serviceStatus({
    name: svc.name,
    unit: svc.unit,
    observed: o,
    snapshot: snap,
    policy: svc.spec.restart.policy,
    rule: loopRule(svc.spec.restart),
    drifted: snap?.drifted ?? false,
    now,
    waitsFor: svc.spec.waitFor?.map((w) => w.service) ?? [],
  });
}
