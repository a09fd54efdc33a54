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
import type { ExitRecord, ObservedStatus } from '../core/observed.js';
import { step } from '../core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../core/supervise/model.js';
import { intentKey, intentOver, type Intent } from '../core/intent.js';
import type { ServiceManager, UnitWatch } from '../ports/service-manager.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { ExitJournal } from '../ports/exit-journal.js';
import type { Clock } from '../ports/clock.js';
import type { LogTailReader } from '../ports/log-reader.js';
import { SNAPSHOTS_KEY, serviceView } from '../app/status.js';
import { stopTimeoutOf } from '../core/manifest/stop-settings.js';
import { isDiskFullError } from '../core/disk/condition.js';
import { isStoreBusy } from '../core/errors.js';
import { WriteQueue } from './write-queue.js';
import { attachLogTails, groupExits } from './crash-tails.js';

export { SNAPSHOTS_KEY, serviceView };

export const JOURNAL_OFFSET_KEY = 'supervisor.exitsOffset';
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
   * Without pushed unit changes: how often the manager is asked even when nothing suggests a change (ms);
   * default 5 s (launchd, where every exit comes from the launcher: a slow reconciliation). Between those
   * polls a tick reads the exit journal only; an exit or a unit in transition makes it poll at once.
   */
  fullPollEveryMs?: number;
  /** With pushed unit changes: how often every unit is reconciled all the same (ms); default 5 min. */
  reconcileEveryMs?: number;
  /**
   * With pushed unit changes: how long a service that exited, or whose unit is in transition, may go
   * without a pushed change before the manager is asked all the same (a missed signal); default 5 s.
   */
  staleAfterMs?: number;
  /** Asks the agent's loop for a tick soon (a refreshed observation is waiting). */
  wake?: () => void;
  /** A write failed for lack of space (the disk-full condition); the work is retried by the next tick. */
  onDiskFull?: (what: string, err: unknown) => void;
  /** The queue every agent write goes through (default: one retrying SQLITE_BUSY). */
  writes?: WriteQueue;
  /** Publishes the status document each time a tick replaces it (the agent's StatusHolder). */
  onStatus?: (doc: StatusDoc) => void;
  /** The number of events waiting in memory (pendingEvents) changed. */
  onPendingEvents?: () => void;
}

const STEADY = new Set(['active', 'inactive', 'failed']);
export const RECONCILE_EVERY_MS = 300_000;
const DRIFT_EVERY_MS = 10_000;

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
  /** Unit changes are pushed (a live subscription): nothing is polled but a rare reconciliation. */
  private watching = false;
  /** Services the push said changed, waiting for their refresh; and observations refreshed since the tick. */
  private readonly dirty = new Set<string>();
  private readonly fresh = new Map<string, ObservedStatus>();
  private refreshing = false;
  private viewerCount = 0;
  private unitWatch: UnitWatch | null = null;
  private followed = '';
  private reconcileAll = false;
  /** When each service was last observed (a poll or a refresh), and exits seen since (service → when). */
  private readonly observedAt = new Map<string, number>();
  private readonly exitedAt = new Map<string, number>();

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

  /**
   * `viewer`: someone watching live (an event stream: the dashboard, `vigil events -f`); while one is,
   * resources are sampled often (see `viewers`), and the first one wakes the loop for a fresh sample.
   */
  subscribe(listener: (e: VigilEvent) => void, opts: { viewer?: boolean } = {}): () => void {
    const own = (e: VigilEvent) => listener(e);
    this.listeners.add(own);
    if (opts.viewer === true && this.viewerCount++ === 0) this.deps.wake?.();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.listeners.delete(own);
      if (opts.viewer === true) this.viewerCount--;
    };
  }

  /** Live event streams open now. */
  get viewers(): number {
    return this.viewerCount;
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
    this.deps.onPendingEvents?.();
  }

  private async doTick(forceFull: boolean): Promise<VigilEvent[]> {
    const { store, journal, clock } = this.deps;
    const services = store.listServices();
    const names = services.map((s) => s.name);
    this.follow(names);
    // What the manager's push (a refresh after a unit change) brought since the last tick.
    for (const [n, o] of this.fresh) {
      this.observed.set(n, o);
      this.exitedAt.delete(n);
    }
    this.fresh.clear();
    let { records, next } = await journal.readSince(this.offset);
    const now = clock.now();
    for (const r of records) if (!this.exitedAt.has(r.service)) this.exitedAt.set(r.service, now);
    const complete = names.every((n) => this.observed.has(n));
    const poll = forceFull || !complete || this.mustPoll(names, now);
    const drift = await this.maybeCheckDrift(now);
    if (records.length > 0 && complete) {
      // An exit is an event at once, from the journal alone: no manager round trip between a crash and
      // its event. The manager's view of what followed (a restart) comes by push, or the poll below.
      const exitsBy = groupExits(records);
      const first = await this.stepAll(services, names, records, next, now, drift, exitsBy);
      // On a full disk the step was rolled back (the offset with it): one step on the fresh observation
      // instead, its failure already reported.
      const landed = this.offset === next;
      if (landed && !poll && this.watching) return first;
      const late = await this.pollManager(names, now, next);
      const all = [...records, ...late.records];
      if (!landed) return this.stepAll(services, names, all, late.next, now, drift, groupExits(all), true);
      return [
        ...first,
        ...(await this.stepAll(services, names, late.records, late.next, now, null, groupExits(all))),
      ];
    }
    if (poll) {
      const late = await this.pollManager(names, now, next);
      records = [...records, ...late.records];
      next = late.next;
    }
    return this.stepAll(services, names, records, next, now, drift, groupExits(records));
  }

  /**
   * Asks the manager, then reads the journal again from `after`: a process the answer shows replaced (a
   * restart that finished meanwhile) had its exit written before its successor started, so that exit is
   * judged in the same step, against the process it ended, and never later against the new one (an
   * intended restart read as a kill).
   */
  private async pollManager(
    names: readonly string[],
    now: number,
    after: number,
  ): Promise<{ records: ExitRecord[]; next: number }> {
    const observed = await this.deps.manager.status(names);
    this.observed = new Map(observed.map((o) => [o.service, o]));
    this.lastPoll = now;
    this.exitedAt.clear();
    for (const n of names) this.observedAt.set(n, now);
    for (const n of [...this.observedAt.keys()]) if (!this.observed.has(n)) this.observedAt.delete(n);
    const late = await this.deps.journal.readSince(after);
    // Exits the answer may predate: the push (or, failing it, a poll) must show what followed them.
    for (const r of late.records) this.exitedAt.set(r.service, now);
    return late;
  }

  /** The state machine for every service on the observation in memory; stores and publishes what changed. */
  private async stepAll(
    services: readonly ServiceRecord[],
    names: readonly string[],
    records: readonly ExitRecord[],
    next: number,
    now: number,
    drift: Map<string, { drifted: boolean; hash: string }> | null,
    tailsFrom: ReadonlyMap<string, ExitRecord[]>,
    quietWhenFull = false,
  ): Promise<VigilEvent[]> {
    const { store } = this.deps;
    const observed = names.flatMap((n) => {
      const o = this.observed.get(n);
      return o ? [o] : [];
    });
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
    await attachLogTails(events, tailsFrom, this.deps.readLogTail, this.deps.logger);

    const changed = JSON.stringify(nextSnapshots) !== JSON.stringify(this.snapshots) || next !== this.offset;
    this.snapshots = nextSnapshots;
    this.offset = next;
    // What is running is shown even when it cannot be stored (a locked database, a full disk).
    this.status = { services: statuses };
    this.deps.onStatus?.(this.status);
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
            if (!quietWhenFull) this.deps.onDiskFull?.('the database (supervisor tick)', err);
            return;
          }
          this.writes.afterCommit(() => {
            this.stored = state;
            this.unsaved = this.unsaved.slice(pending.length);
            this.pending = this.pending.slice(kept.length);
            if (kept.length > 0) this.deps.onPendingEvents?.();
            inserted = rows;
            this.publish(rows);
          });
        },
        { key: 'supervisor tick' },
      );
    }
    return inserted;
  }

  /**
   * True when the observation in memory may be stale. With the manager's push live, only a reconciliation
   * is ever due (every few minutes); without it (no push on this system, or while it is re-established) the
   * manager is asked every `fullPollEveryMs`, and every tick while a unit is in transition.
   */
  private mustPoll(names: readonly string[], now: number): boolean {
    const every = this.watching
      ? (this.deps.reconcileEveryMs ?? RECONCILE_EVERY_MS)
      : (this.deps.fullPollEveryMs ?? 5000);
    if (now - this.lastPoll >= every) return true;
    if (this.watching) return this.staleDueAt(names) <= now;
    return names.some((n) => !STEADY.has(this.observed.get(n)?.active ?? ''));
  }

  /**
   * With push: when the soonest observation goes stale, a service that exited or whose unit is in
   * transition without a pushed change since (Infinity: none). Pushes may be missed (a signal lost, a
   * match not yet on the bus); then the manager is asked, so no restart waits for the reconciliation.
   */
  private staleDueAt(names: readonly string[]): number {
    const after = this.deps.staleAfterMs ?? 5000;
    let due = Infinity;
    for (const n of names) {
      const exited = this.exitedAt.get(n);
      if (exited !== undefined) due = Math.min(due, exited + after);
      const o = this.observed.get(n);
      if (o && !STEADY.has(o.active)) due = Math.min(due, (this.observedAt.get(n) ?? -Infinity) + after);
    }
    return due;
  }

  /**
   * How soon the supervisor needs a tick without anything happening (ms): the next reconciliation or poll,
   * a unit in transition without push, the end of a crash-loop window (the state leaves `crashloop`).
   * Drift is looked for at the first tick after its interval, never a reason to wake.
   */
  nextTickInMs(now: number): number {
    const every = this.watching
      ? (this.deps.reconcileEveryMs ?? RECONCILE_EVERY_MS)
      : (this.deps.fullPollEveryMs ?? 5000);
    let due = this.lastPoll + every - now;
    if (this.pendingFailures.size > 0 || this.fresh.size > 0) return 0;
    if (!this.watching && [...this.observed.values()].some((o) => !STEADY.has(o.active)))
      due = Math.min(due, 1000);
    if (this.watching) due = Math.min(due, this.staleDueAt([...this.observed.keys()]) - now);
    const looping = Object.entries(this.snapshots).filter(([, snap]) => snap.loopKey !== null);
    if (looping.length > 0) {
      const windows = new Map(
        this.deps.store.listServices().map((s) => [s.name, loopRule(s.spec.restart).windowMs]),
      );
      for (const [name, snap] of looping)
        for (const t of snap.crashes) due = Math.min(due, t + (windows.get(name) ?? 0) - now + 1);
    }
    return Math.max(0, due);
  }

  /**
   * Subscribes to the manager's unit changes when it pushes them (systemd over D-Bus): each change makes a
   * refresh of those units, off the tick's chain (an exit's event never waits for it), then a wake-up; a
   * (re-)established subscription reconciles every unit. Returns the unsubscribe.
   */
  startWatching(): () => void {
    this.followed = '';
    const watch = this.deps.manager.watch?.({
      changed: (services) => {
        for (const s of services) this.dirty.add(s);
        void this.refresh();
      },
      up: () => {
        this.watching = true;
        this.deps.logger.info('unit changes pushed by the service manager: reconciling');
        this.reconcileAll = true;
        void this.refresh();
      },
      down: (err) => {
        if (this.watching)
          this.deps.logger.warn(
            { err: err?.message },
            'unit change subscription lost: polling until it is back',
          );
        this.watching = false;
        this.deps.wake?.();
      },
    });
    this.unitWatch = watch ?? null;
    this.follow(this.deps.store.listServices().map((s) => s.name));
    return () => {
      this.watching = false;
      this.unitWatch = null;
      watch?.close();
    };
  }

  /** The subscription hears about exactly the services there are (an apply adds or removes some). */
  private follow(names: readonly string[]): void {
    const key = names.join('\n');
    if (this.unitWatch === null || key === this.followed) return;
    this.followed = key;
    this.unitWatch.follow(names);
  }

  /** Whether unit changes are pushed now (the subscription is live). */
  get pushed(): boolean {
    return this.watching;
  }

  /** One refresh at a time: the units changed meanwhile go into the next one. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      while (this.dirty.size > 0 || this.reconcileAll) {
        const known = new Set(this.deps.store.listServices().map((s) => s.name));
        const all = this.reconcileAll;
        this.reconcileAll = false;
        const names = all ? [...known] : [...this.dirty].filter((n) => known.has(n));
        this.dirty.clear();
        if (names.length === 0) continue;
        try {
          const observed = await this.deps.manager.status(names);
          const at = this.deps.clock.now();
          for (const o of observed) {
            this.fresh.set(o.service, o);
            this.observedAt.set(o.service, at);
          }
          if (all) this.lastPoll = at;
        } catch (err) {
          this.deps.logger.warn({ err }, 'unit status refresh failed; the next tick polls');
          this.lastPoll = -Infinity;
        }
        this.deps.wake?.();
      }
    } finally {
      this.refreshing = false;
    }
  }

  private async maybeCheckDrift(
    now: number,
  ): Promise<Map<string, { drifted: boolean; hash: string }> | null> {
    if (now - this.lastDriftCheck < (this.deps.driftEveryMs ?? DRIFT_EVERY_MS)) return null;
    this.lastDriftCheck = now;
    const installed = await this.deps.manager.listInstalled();
    return new Map(installed.map((u) => [u.service, { drifted: u.drifted, hash: u.actualHash }]));
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
