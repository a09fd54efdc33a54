/** AlertLog on SQLite: alert states, notifications and their deliveries (one row per channel). */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  AlertRule,
  AlertState,
  DigestItem,
  Notification,
  NotificationKind,
} from '../../core/alerts/model.js';
import type { Severity } from '../../core/events.js';
import type {
  AlertLog,
  DeliveryRecord,
  DeliveryStatus,
  NotificationRecord,
  NotificationStatus,
} from '../../ports/monitor-store.js';
import type { Database } from './db.js';

type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

interface AlertRow {
  key: string;
  rule: string;
  service: string | null;
  severity: string;
  firing: number;
  since: number;
  resolved_at: number | null;
  message: string;
  notified_at: number | null;
  notified: number;
  pending: number;
}

interface NotificationRow {
  id: string;
  kind: string;
  severity: string;
  title: string;
  text: string;
  service: string | null;
  rule: string | null;
  alert_key: string | null;
  at: number;
  status: string;
  items: string | null;
}

interface DeliveryRow {
  id: number;
  notification_id: string;
  channel: string;
  status: string;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export class SqliteAlertLog implements AlertLog {
  private readonly upsertAlert: Stmt;
  private readonly selectAlerts: Stmt;
  private readonly insertNotification: Stmt;
  private readonly insertDelivery: Stmt;
  private readonly digestHeld: Stmt;
  private readonly selectDue: Stmt;
  private readonly selectNotification: Stmt;
  private readonly updateDelivery: Stmt;
  private readonly settleNotification: Stmt;
  private readonly selectRecent: Stmt;
  private readonly selectDeliveries: Stmt;

  constructor(private readonly db: Database) {
    this.upsertAlert = db.prepare(
      `INSERT INTO alerts (key, rule, service, severity, firing, since, resolved_at, message, notified_at, notified, pending)
       VALUES (@key, @rule, @service, @severity, @firing, @since, @resolved_at, @message, @notified_at, @notified, @pending)
       ON CONFLICT (key) DO UPDATE SET severity = excluded.severity, firing = excluded.firing, since = excluded.since,
         resolved_at = excluded.resolved_at, message = excluded.message, notified_at = excluded.notified_at,
         notified = excluded.notified, pending = excluded.pending`,
    );
    this.selectAlerts = db.prepare('SELECT * FROM alerts ORDER BY since');
    this.insertNotification = db.prepare(
      `INSERT INTO notifications (id, kind, severity, title, text, service, rule, alert_key, at, status, items)
       VALUES (@id, @kind, @severity, @title, @text, @service, @rule, @alert_key, @at, @status, @items)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.insertDelivery = db.prepare(
      `INSERT INTO deliveries (notification_id, channel, status, attempts, next_at, created_at, updated_at)
       VALUES (?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (notification_id, channel) DO NOTHING`,
    );
    this.digestHeld = db.prepare(`UPDATE notifications SET status = 'digested' WHERE status = 'held'`);
    this.selectDue = db.prepare(
      `SELECT * FROM deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`,
    );
    this.selectNotification = db.prepare('SELECT * FROM notifications WHERE id = ?');
    this.updateDelivery = db.prepare(
      `UPDATE deliveries SET status = @status, attempts = attempts + 1, next_at = @next_at, last_error = @error, updated_at = @now WHERE id = @id`,
    );
    this.settleNotification = db.prepare(
      `UPDATE notifications SET status = CASE
         WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = @id AND d.status = 'pending') THEN 'queued'
         WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = @id AND d.status = 'sent') THEN 'done'
         ELSE 'failed' END
       WHERE id = @id`,
    );
    this.selectRecent = db.prepare('SELECT * FROM notifications ORDER BY at DESC, id DESC LIMIT ?');
    this.selectDeliveries = db.prepare('SELECT * FROM deliveries WHERE notification_id = ? ORDER BY id');
  }

  saveAlerts(alerts: readonly AlertState[]): void {
    if (alerts.length === 0) return;
    this.db.transaction(() => {
      for (const a of alerts) {
        this.upsertAlert.run({
          key: a.key,
          rule: a.rule,
          service: a.service,
          severity: a.severity,
          firing: a.firing ? 1 : 0,
          since: a.since,
          resolved_at: a.resolvedAt,
          message: a.message,
          notified_at: a.notifiedAt,
          notified: a.notified ? 1 : 0,
          pending: a.pending ? 1 : 0,
        });
      }
    })();
  }

  loadAlerts(): AlertState[] {
    return (this.selectAlerts.all() as AlertRow[]).map((r) => ({
      key: r.key,
      rule: r.rule as AlertRule,
      service: r.service,
      severity: r.severity as Severity,
      firing: r.firing === 1,
      since: r.since,
      resolvedAt: r.resolved_at,
      message: r.message,
      notifiedAt: r.notified_at,
      notified: r.notified === 1,
      pending: r.pending === 1,
    }));
  }

  enqueue(n: Notification, channels: readonly string[], now: number): void {
    this.db.transaction(() => {
      this.insertNotification.run(notificationParams(n, channels.length > 0 ? 'queued' : 'no-channel'));
      for (const c of channels) this.insertDelivery.run(n.id, c, now, now, now);
    })();
  }

  hold(n: Notification): void {
    this.insertNotification.run(notificationParams(n, 'held'));
  }

  markDigested(): void {
    this.digestHeld.run();
  }

  due(now: number, limit: number): { delivery: DeliveryRecord; notification: Notification }[] {
    const out: { delivery: DeliveryRecord; notification: Notification }[] = [];
    for (const row of this.selectDue.all(now, limit) as DeliveryRow[]) {
      const n = this.selectNotification.get(row.notification_id) as NotificationRow | undefined;
      if (n) out.push({ delivery: deliveryFromRow(row), notification: notificationFromRow(n) });
    }
    return out;
  }

  attempt(
    id: number,
    outcome: { status: DeliveryStatus; nextAt: number | null; error: string | null },
    now: number,
  ): void {
    this.db.transaction(() => {
      this.updateDelivery.run({
        id,
        status: outcome.status,
        next_at: outcome.nextAt,
        error: outcome.error,
        now,
      });
      const row = this.db.prepare('SELECT notification_id FROM deliveries WHERE id = ?').pluck().get(id) as
        string | undefined;
      if (row !== undefined) this.settleNotification.run({ id: row });
    })();
  }

  recent(limit: number): NotificationRecord[] {
    return (this.selectRecent.all(limit) as NotificationRow[]).map((r) => ({
      ...notificationFromRow(r),
      status: r.status as NotificationStatus,
      deliveries: (this.selectDeliveries.all(r.id) as DeliveryRow[]).map(deliveryFromRow),
    }));
  }

  prune(before: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM notifications WHERE at < ?').run(before);
      this.db.prepare('DELETE FROM alerts WHERE firing = 0 AND resolved_at < ?').run(before);
    })();
  }
}

function notificationParams(n: Notification, status: NotificationStatus) {
  return {
    id: n.id,
    kind: n.kind,
    severity: n.severity,
    title: n.title,
    text: n.text,
    service: n.service,
    rule: n.rule,
    alert_key: n.alertKey,
    at: n.at,
    status,
    items: n.items ? JSON.stringify(n.items) : null,
  };
}

function notificationFromRow(r: NotificationRow): Notification {
  return {
    id: r.id,
    kind: r.kind as NotificationKind,
    severity: r.severity as Severity,
    title: r.title,
    text: r.text,
    service: r.service,
    rule: r.rule as AlertRule | null,
    alertKey: r.alert_key,
    at: r.at,
    ...(r.items ? { items: JSON.parse(r.items) as DigestItem[] } : {}),
  };
}

function deliveryFromRow(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    notificationId: r.notification_id,
    channel: r.channel,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
