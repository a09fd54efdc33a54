/**
 * The supervisor's tick: one batched status call, the exit journal since the last offset, the pure state
 * machine per service, and one transaction that stores events, snapshots and the offset together, so a
 * crash of the agent at any point neither loses nor duplicates events.
 *
 * The status it serves comes from the service manager and the state machine in memory, never from a
 * write: when another process holds the database locked, the tick's transaction waits in the WriteQueue
 * (events, the latest snapshots and the offset together) and lands, and its events are published, once
 * the lock is gone. If the agent dies meanwhile, the stored offset still points before those exits, and
 * the next agent derives the same events again (same keys).
 */
import type { Logger } from 'pino';
import type { NewEvent, VigilEvent } from '../core/events.js';
import type { StatusDoc } from '../core/status.js';
import type { ExitRecord, ObservedStatus } from '../core/observed.js';
import { step } from '../core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../core/supervise/model.js';
import { serviceStatus } from '../core/supervise/view.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { ExitJournal } from '../ports/exit-journal.js';
import type { Clock } from '../ports/clock.js';
import { SNAPSHOTS_KEY } from '../app/status.js';
import { processAlive } from '../adapters/process/alive.js';
import { isStoreBusy } from '../core/errors.js';
import { WriteQueue } from './write-queue.js';

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
  readLogTail: (service: string, lines: number) => Promise<string[]>;
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
  /** The queue every agent write goes through (default: one retrying SQLITE_BUSY). */
  writes?: WriteQueue;
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
  /** Events of ticks whose transaction has not landed yet (the database was locked), oldest first. */
  private unsaved: NewEvent[] = [];
  readonly writes: WriteQueue;

  constructor(private readonly deps: SupervisorDeps) {
    this.snapshots = deps.store.getState<Record<string, ServiceSnapshot>>(SNAPSHOTS_KEY) ?? {};
    this.offset = deps.store.getState<number>(JOURNAL_OFFSET_KEY) ?? 0;
    this.writes =
      deps.writes ??
      new WriteQueue({
        isRetryable: isStoreBusy,
        onError: (err, label) => deps.logger.error({ err, job: label }, 'database write failed'),
        onBlocked: (blocked, waiting) =>
          blocked
            ? deps.logger.warn({ waiting }, 'the database is locked by another process: writes wait and are retried')
            : deps.logger.info('the database is writable again: waiting writes stored'),
      });
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

  /**
   * Records events that did not come from a tick (agent start/stop, modules), and publishes the new ones
   * once stored. Returns them when they were stored at once (outside any other write); [] when they wait
   * for a lock (or for the write around this call to commit): `then` gets them whenever they land.
   */
  record(events: NewEvent[], then?: (inserted: VigilEvent[]) => void): VigilEvent[] {
    if (events.length === 0) return [];
    let out: VigilEvent[] = [];
    this.writes.submit('record events', () => {
      const rows = this.deps.store.appendEvents(events);
      this.writes.afterCommit(() => {
        out = rows;
        this.publish(rows);
        then?.(rows);
      });
    });
    return out;
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
      });
      nextSnapshots[svc.name] = out.next;
      events.push(...out.events);
      statuses.push(serviceView(svc, o, out.next, now));
    }
    await this.attachLogTails(events);

    const changed = JSON.stringify(nextSnapshots) !== JSON.stringify(this.snapshots) || next !== this.offset;
    this.snapshots = nextSnapshots;
    this.offset = next;
    this.status = { services: statuses };
    let inserted: VigilEvent[] = [];
    if (changed || events.length > 0) {
      this.unsaved.push(...events);
      // One waiting job at most (key): when it runs it stores whatever is unsaved by then.
      this.writes.submit('supervisor tick', () => {
        const pending = this.unsaved;
        const rows = store.transaction(() => {
          const r = store.appendEvents(pending);
          store.setState(SNAPSHOTS_KEY, this.snapshots);
          store.setState(JOURNAL_OFFSET_KEY, this.offset);
          return r;
        });
        this.writes.afterCommit(() => {
          this.unsaved = this.unsaved.slice(pending.length);
          inserted = rows;
          this.publish(rows);
        });
      }, { key: 'supervisor tick' });
    }
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

  private async attachLogTails(events: NewEvent[]): Promise<void> {
    const wanted = [...new Set(events.filter((e) => TAIL_EVENTS.has(e.type) && e.service).map((e) => e.service!))];
    const tails = new Map<string, string[]>();
    await Promise.all(
      wanted.map(async (s) => {
        try {
          tails.set(s, await this.deps.readLogTail(s, LOG_TAIL_LINES));
        } catch (err) {
          this.deps.logger.warn({ err, service: s }, 'could not read log tail');
        }
      }),
    );
    for (const e of events) if (e.service && TAIL_EVENTS.has(e.type)) e.logTail = tails.get(e.service) ?? [];
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
  });
}
