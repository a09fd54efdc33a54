/**
 * The supervisor's tick: one batched status call, the exit journal since the last offset, the pure state
 * machine per service, and one transaction that stores events, snapshots and the offset together, so a
 * crash of the agent at any point neither loses nor duplicates events.
 *
 * On a full disk that transaction fails: nothing of the tick is kept but the status shown, so the next
 * tick reads the same exit records again from the stored offset and stores them once space returns
 * (event keys make that idempotent). Events recorded outside a tick are kept in memory (bounded) and go
 * into the next tick's transaction.
 * The status it serves comes from the service manager and the state machine in memory, never from a
 * write: when another process holds the database locked, the tick's transaction waits in the WriteQueue
 * (events, the latest snapshots and the offset together) and lands, and its events are published, once
 * the lock is gone. If the agent dies meanwhile, the stored offset still points before those exits, and
 * the next agent derives the same events again (same keys).
 */
import type { Logger } from 'pino';
import type { NewEvent, VigilEvent } from '../core/events.js';
import type { StatusDoc } from '../core/status.js';
import type { ExitRecord, LogEnd, ObservedStatus } from '../core/observed.js';
import { exitEventKey, step } from '../core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../core/supervise/model.js';
import { intentKey, intentOver, type Intent } from '../core/intent.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { Store } from '../ports/store.js';
import type { ExitJournal } from '../ports/exit-journal.js';
import type { Clock } from '../ports/clock.js';
import type { LogTailReader } from '../ports/log-reader.js';
import { SNAPSHOTS_KEY, serviceView } from '../app/status.js';
import { processAlive } from '../adapters/process/alive.js';
import { stopTimeoutOf } from '../core/manifest/stop-settings.js';
import { isDiskFullError } from '../core/disk/condition.js';
import { isStoreBusy } from '../core/errors.js';
import { WriteQueue } from './write-queue.js';

export { SNAPSHOTS_KEY, serviceView };

export const JOURNAL_OFFSET_KEY = 'supervisor.exitsOffset';
const LOG_TAIL_LINES = 20;
const TAIL_EVENTS = new Set([
  'crashed',
  'killed',
  'oom-killed',
  'crashloop',
  'start-limit-hit',
  'stop-timeout',
]);
/** Events kept in memory while they cannot be stored; beyond this the oldest are dropped (and counted). */
export const MAX_PENDING_EVENTS = 1000;

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
  /** A write failed for lack of space (the disk-full condition); the work is retried by the next tick. */
  onDiskFull?: (what: string, err: unknown) => void;
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
  private intents = new Map<string, Intent>();
  /** Intents seen to be over (see intentOver): service → the intent's time and when it ended. */
  private readonly intentsOver = new Map<string, { at: number; overAt: number }>();
  /** Failures noted between ticks (liveness restarts), folded into the next step's crash count. */
  private pendingFailures = new Map<string, number[]>();
  private pending: NewEvent[] = [];
  private droppedPending = 0;

  /** Events of ticks whose transaction has not landed yet (the database was locked), oldest first. */
  private unsaved: NewEvent[] = [];
  readonly writes: WriteQueue;
  /** The snapshots and offset last stored (a tick that cannot be stored for lack of space goes back to them). */
  private stored: { snapshots: Record<string, ServiceSnapshot>; offset: number };

  constructor(private readonly deps: SupervisorDeps) {
    this.snapshots = deps.store.getState(SNAPSHOTS_KEY) ?? {};
    this.offset = deps.store.getState(JOURNAL_OFFSET_KEY) ?? 0;
    this.stored = { snapshots: this.snapshots, offset: this.offset };
    this.writes =
      deps.writes ??
      new WriteQueue({
        isRetryable: isStoreBusy,
        onError: (err, label) => deps.logger.error({ err, job: label }, 'database write failed'),
        onBlocked: (blocked, waiting) =>
          blocked
            ? deps.logger.warn(
                { waiting },
                'the database is locked by another process: writes wait and are retried',
              )
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

  /** What Vigil last asked the manager to do with each service, as read by the last tick. */
  intentOf(service: string): Intent | null {
    return this.intents.get(service) ?? null;
  }

  subscribe(listener: (e: VigilEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts a failure that is not an exit (a liveness restart) toward the service's crash loop, at the next tick. */
  noteFailure(service: string, at: number): void {
    this.pendingFailures.set(service, [...(this.pendingFailures.get(service) ?? []), at]);
  }

  /**
   * Records events that did not come from a tick (agent start/stop, modules), and publishes the new ones
   * once stored. Returns them when they were stored at once (outside any other write); [] when they wait
   * for a lock (or for the write around this call to commit): `then` gets them whenever they land. On a
   * full disk they are kept in memory (bounded) and go with the next tick that can write.
   */
  record(events: NewEvent[], then?: (inserted: VigilEvent[]) => void): VigilEvent[] {
    if (events.length === 0) return [];
    let out: VigilEvent[] = [];
    this.writes.submit('record events', () => {
      let rows: VigilEvent[];
      try {
        rows = this.deps.store.appendEvents(events);
      } catch (err) {
        if (!isDiskFullError(err)) throw err;
        this.keep(events);
        this.deps.onDiskFull?.('the database (events)', err);
        return;
      }
      this.writes.afterCommit(() => {
        out = rows;
        this.publish(rows);
        then?.(rows);
      });
    });
    return out;
  }

  /** Events waiting in memory to be stored, and how many were dropped because too many waited. */
  pendingEvents(): { waiting: number; dropped: number } {
    return { waiting: this.pending.length, dropped: this.droppedPending };
  }

  private keep(events: readonly NewEvent[]): void {
    this.pending.push(...events);
    const over = this.pending.length - MAX_PENDING_EVENTS;
    if (over > 0) {
      this.pending.splice(0, over);
      this.droppedPending += over;
      this.deps.logger.warn(
        { dropped: this.droppedPending },
        `more than ${MAX_PENDING_EVENTS} events waited for disk space; the oldest were dropped`,
      );
    }
  }

  private async doTick(forceFull: boolean): Promise<VigilEvent[]> {
    const { manager, store, journal, clock } = this.deps;
    const services = store.listServices();
    const names = services.map((s) => s.name);
    let { records, next } = await journal.readSince(this.offset);
    const now = clock.now();
    let observed: ObservedStatus[];
    if (forceFull || records.length > 0 || this.mustPoll(names, now)) {
      observed = await manager.status(names);
      this.observed = new Map(observed.map((o) => [o.service, o]));
      this.lastPoll = now;
      // Read again after the status: a process it shows replaced (a restart that finished meanwhile) had
      // its exit written before its successor started, so that exit is judged in this step, against the
      // process it ended, and never later against the new one (an intended restart read as a kill).
      const late = await journal.readSince(next);
      records = [...records, ...late.records];
      next = late.next;
    } else {
      observed = names.map((n) => this.observed.get(n)!);
    }
    const drift = await this.maybeCheckDrift(now);

    // Written by the intent-recording manager (the CLI's or this agent's), read fresh every tick.
    const failures = this.pendingFailures;
    this.pendingFailures = new Map();
    const byName = new Map(observed.map((o) => [o.service, o]));
    const intents = new Map<string, Intent>();
    for (const n of names) {
      const i = store.getState(intentKey(n));
      if (!i) continue;
      const over = this.intentsOver.get(n);
      intents.set(n, over?.at === i.at ? { ...i, overAt: over.overAt } : i);
    }
    for (const n of this.intentsOver.keys()) if (!intents.has(n)) this.intentsOver.delete(n);
    const exitsBy = groupExits(records);
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
        failures: failures.get(svc.name) ?? [],
        ...(d ? { drift: d } : {}),
        policy: svc.spec.restart.policy,
        rule: loopRule(svc.spec.restart),
        now,
        intent: intents.get(svc.name) ?? null,
        stopTimeoutSec: stopTimeoutOf(svc.spec),
        ...(svc.spec.limits.memoryBytes === undefined
          ? {}
          : { memoryLimitBytes: svc.spec.limits.memoryBytes }),
        ...(svc.spec.command[0] === undefined ? {} : { program: svc.spec.command[0] }),
        restartDelayMs: svc.spec.restart.delaySec * 1000,
      });
      nextSnapshots[svc.name] = out.next;
      events.push(...out.events);
      const intent = intents.get(svc.name);
      if (
        intent &&
        intent.overAt === undefined &&
        o.since !== null &&
        intentOver(intent, { state: out.next.state, since: o.since })
      ) {
        this.intentsOver.set(svc.name, { at: intent.at, overAt: o.since });
        intents.set(svc.name, { ...intent, overAt: o.since });
      }
      statuses.push(serviceView(svc, o, out.next, now, intents.get(svc.name) ?? null));
    }
    this.intents = intents;
    await this.attachLogTails(events, exitsBy);

    const changed = JSON.stringify(nextSnapshots) !== JSON.stringify(this.snapshots) || next !== this.offset;
    this.snapshots = nextSnapshots;
    this.offset = next;
    // What is running is shown even when it cannot be stored (a locked database, a full disk).
    this.status = { services: statuses };
    let inserted: VigilEvent[] = [];
    if (changed || events.length > 0 || this.unsaved.length > 0 || this.pending.length > 0) {
      this.unsaved.push(...events);
      // One waiting job at most (key): when it runs it stores whatever is unsaved (and kept) by then.
      this.writes.submit(
        'supervisor tick',
        () => {
          const pending = this.unsaved;
          const kept = this.pending;
          const state = { snapshots: this.snapshots, offset: this.offset };
          let rows: VigilEvent[];
          try {
            rows = store.transaction(() => {
              const r = store.appendEvents([...kept, ...pending]);
              store.setState(SNAPSHOTS_KEY, state.snapshots);
              store.setState(JOURNAL_OFFSET_KEY, state.offset);
              return r;
            });
          } catch (err) {
            if (!isDiskFullError(err)) throw err;
            // Nothing advanced: back to what is stored, so the next tick derives the same events again from
            // the same journal offset (same keys) and memory stays bounded however long the disk is full.
            this.snapshots = this.stored.snapshots;
            this.offset = this.stored.offset;
            this.unsaved = [];
            this.deps.onDiskFull?.('the database (supervisor tick)', err);
            return;
          }
          this.writes.afterCommit(() => {
            this.stored = state;
            this.unsaved = this.unsaved.slice(pending.length);
            this.pending = this.pending.slice(kept.length);
            inserted = rows;
            this.publish(rows);
          });
        },
        { key: 'supervisor tick' },
      );
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

  private async maybeCheckDrift(
    now: number,
  ): Promise<Map<string, { drifted: boolean; hash: string }> | null> {
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
  private async attachLogTails(
    events: NewEvent[],
    exitsBy: ReadonlyMap<string, ExitRecord[]>,
  ): Promise<void> {
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
        const until =
          e.type === 'crashed' || e.type === 'oom-killed' ? endOf.get(e.key) : newest.get(e.service!);
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
