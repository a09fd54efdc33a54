/**
 * The disk-full condition as a use case. Writers report failures (the supervisor's transaction, events
 * kept in memory, a module's writes); every tick looks at the file system's free space and, while the
 * condition holds, tries one small write to the database. When a write goes through with space free
 * again, the condition clears: its `disk-full` event (at the time it began) and a `disk-recovered` event
 * are stored, and a critical alert went out when it began (queued through the alert path; while the
 * alert queue itself cannot be written, sent straight to the channels and, failing that, kept and retried).
 */
import type { NewEvent } from '../core/events.js';
import type { Notification } from '../core/alerts/model.js';
import { DiskCondition, isDiskFullError, type DiskChange, type DiskStatus } from '../core/disk/condition.js';
import type { DiskSpace } from '../ports/disk-space.js';
import type { Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';

/** The state key the probe write touches while the condition holds. */
export const DISK_PROBE_KEY = 'disk.probe';
/** How often free space is looked at while all is well (ms); every tick while the disk is full. */
const LOOK_EVERY_MS = 5000;

export interface DiskAlerts {
  /** The alert path's queue (SQLite): throws while the database cannot be written. */
  notify(n: Notification, now: number): void;
  /** Straight to the configured channels, without the queue; resolves true when every channel took it. */
  sendNow?(n: Notification): Promise<boolean>;
}

export interface DiskWatchDeps {
  store: Store;
  space: DiskSpace;
  clock: Clock;
  /** The directory whose file system is watched (VIGIL_HOME). */
  home: string;
  /** Stores events (the supervisor's record: it keeps them in memory while the disk is full). */
  record: (events: NewEvent[]) => void;
  /** How many events wait in memory to be stored. */
  pendingEvents: () => number;
  /** How many exit records wait in the journal's pending slots (default none). */
  pendingExits?: () => number;
  /** One line for the agent log on each change (the log itself may be failing; it never throws). */
  log: (level: 'warn' | 'info', msg: string, fields: Record<string, unknown>) => void;
}

export class DiskWatch {
  private readonly condition = new DiskCondition();
  private alerts: DiskAlerts | null = null;
  private readonly unsent: Notification[] = [];
  private lastLook = -Infinity;
  private onView: ((view: DiskStatus) => void) | null = null;

  constructor(private readonly deps: DiskWatchDeps) {}

  bindAlerts(alerts: DiskAlerts): void {
    this.alerts = alerts;
  }

  /** Hands `view()` to `fn` now and after every change of it (a failure, a check, a count that changed). */
  publishTo(fn: (view: DiskStatus) => void): void {
    this.onView = fn;
    fn(this.view());
  }

  /** The events or exit records waiting in memory changed (their counts are in the view). */
  pendingChanged(): void {
    this.publish();
  }

  private publish(): void {
    this.onView?.(this.view());
  }

  /** A write failed. Returns true when it was for lack of space (and is now part of the condition). */
  failed(what: string, err: unknown): boolean {
    if (!isDiskFullError(err)) return false;
    const now = this.deps.clock.now();
    this.changed(this.condition.failed(what, err, this.deps.space.space(this.deps.home), now));
    this.publish();
    return true;
  }

  /** Once per agent tick: looks at free space, and while full tries the probe write; retries alerts. */
  tick(): void {
    const now = this.deps.clock.now();
    const full = this.condition.isFull();
    if (full || now - this.lastLook >= LOOK_EVERY_MS) {
      this.lastLook = now;
      const space = this.deps.space.space(this.deps.home);
      if (space) this.changed(this.condition.observed(space, now));
      if (this.condition.isFull()) this.probe(now, space);
    }
    this.retryAlerts(now);
    this.publish();
  }

  isFull(): boolean {
    return this.condition.isFull();
  }

  view(): DiskStatus {
    return this.condition.view({ events: this.deps.pendingEvents(), exits: this.deps.pendingExits?.() ?? 0 });
  }

  private probe(now: number, space: ReturnType<DiskSpace['space']>): void {
    try {
      this.deps.store.setState(DISK_PROBE_KEY, now);
    } catch (err) {
      // Another kind of failure (a locked database) says nothing about space: try again next tick.
      if (!this.failed(`the database (probe write)`, err))
        this.deps.log('warn', `disk probe write failed: ${(err as Error).message}`, {});
      return;
    }
    this.changed(this.condition.wrote(space, now));
  }

  private changed(change: DiskChange | null): void {
    if (!change) return;
    const now = this.deps.clock.now();
    if (change.kind === 'full') {
      this.deps.log('warn', `disk full: ${change.message}`, { condition: 'disk-full', what: change.what });
      this.alert(
        {
          id: `firing:disk-full:${change.since}`,
          kind: 'firing',
          severity: 'critical',
          title: 'Vigil: disk full',
          text: `Vigil cannot write its files: ${change.message}. Services keep running; events and exit records are kept and stored once space is freed.`,
          service: null,
          rule: null,
          alertKey: 'disk-full',
          at: change.since,
        },
        now,
      );
      return;
    }
    const lasted = Math.round((change.at - change.since) / 1000);
    this.deps.log('info', `disk-full cleared after ${lasted} s: ${change.message}`, {
      condition: 'disk-full',
      failures: change.failures,
    });
    this.deps.record([
      {
        key: `disk-full:${change.since}`,
        at: change.since,
        service: null,
        type: 'disk-full',
        severity: 'critical',
        message: `Disk full: Vigil could not write to its home (${change.failures} failed write(s))`,
        data: { failures: change.failures },
      },
      {
        key: `disk-recovered:${change.since}`,
        at: change.at,
        service: null,
        type: 'disk-recovered',
        severity: 'info',
        message: `Disk space is back after ${lasted} s: ${change.message}`,
      },
    ]);
    this.alert(
      {
        id: `resolved:disk-full:${change.since}`,
        kind: 'resolved',
        severity: 'info',
        title: 'Vigil: disk space is back',
        text: `Writes succeed again after ${lasted} s; ${change.message}.`,
        service: null,
        rule: null,
        alertKey: 'disk-full',
        at: change.at,
      },
      now,
    );
  }

  /** Queues `n` after any notice still unsent (so a recovery never goes out before its alert). */
  private alert(n: Notification, now: number): void {
    if (!this.alerts) return;
    this.unsent.push(n);
    if (this.flushAlerts(now)) return;
    const { sendNow } = this.alerts;
    // The queue is in the database that cannot be written: straight to the channels, kept if that fails too.
    if (sendNow && this.unsent.includes(n)) {
      sendNow(n).then(
        (all) => {
          if (all) this.forget(n);
        },
        () => undefined,
      );
    }
  }

  private forget(n: Notification): void {
    const i = this.unsent.indexOf(n);
    if (i >= 0) this.unsent.splice(i, 1);
  }

  /** Queues the unsent notices in order; false when the queue could not be written (they stay). */
  private flushAlerts(now: number): boolean {
    if (!this.alerts) return true;
    while (this.unsent.length > 0) {
      const n = this.unsent[0]!;
      try {
        this.alerts.notify(n, now);
      } catch (err) {
        if (isDiskFullError(err)) return false;
        this.deps.log('warn', `cannot queue the disk alert "${n.title}": ${(err as Error).message}`, {});
      }
      this.unsent.shift();
    }
    return true;
  }

  private retryAlerts(now: number): void {
    if (this.unsent.length > 0 && !this.condition.isFull()) this.flushAlerts(now);
  }
}
