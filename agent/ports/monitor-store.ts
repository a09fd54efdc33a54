/**
 * Persistence of health/resources/alerts: resource history (raw samples kept 24 h, 1-minute rollups
 * kept 30 days), the alert engine's state, and every notification with its deliveries. SQLite in
 * production (the same database as the Store). Synchronous, like the Store.
 */
import type { AlertState, Notification } from '../core/alerts/model.js';
import type { UsageSource } from '../core/status.js';

export interface ResourceSample {
  service: string;
  at: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  source: UsageSource | null;
}

export interface SeriesQuery {
  service: string;
  since: number;
  until: number;
  /** At most this many points (buckets). */
  points: number;
}

export interface ResourceSeriesPoint {
  /** Bucket start (ms). */
  at: number;
  cpuAvg: number | null;
  cpuMax: number | null;
  memAvg: number | null;
  memMax: number | null;
}

export interface ResourceSeries {
  service: string;
  /** raw samples, or 1-minute rollups (older than the raw retention). */
  resolution: 'raw' | 'minute';
  /** Bucket width (ms). */
  stepMs: number;
  points: ResourceSeriesPoint[];
}

export interface ResourceHistory {
  /** Stores raw samples and folds them into their minute rollups, in one transaction. */
  record(samples: readonly ResourceSample[]): void;
  series(q: SeriesQuery, now: number): ResourceSeries;
  /** Deletes raw samples older than rawMs and rollups older than rollupMs; returns the counts. */
  prune(now: number, rawMs: number, rollupMs: number): { raw: number; minutes: number };
  /** Services that have history (for the API's listing). */
  services(): string[];
}

export type NotificationStatus = 'queued' | 'held' | 'digested' | 'done' | 'failed' | 'no-channel';
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface DeliveryRecord {
  id: number;
  notificationId: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending). */
  nextAt: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NotificationRecord extends Notification {
  status: NotificationStatus;
  deliveries: DeliveryRecord[];
}

export interface AlertLog {
  saveAlerts(alerts: readonly AlertState[]): void;
  loadAlerts(): AlertState[];
  /** Records a notification and a pending delivery per channel (none: status no-channel). */
  enqueue(n: Notification, channels: readonly string[], now: number): void;
  /** Records a notification held for the digest. */
  hold(n: Notification): void;
  /** Held notifications become digested (the digest itself is enqueued separately). */
  markDigested(now: number): void;
  /** Pending deliveries due at `now`, oldest first, with their notifications. */
  due(now: number, limit: number): { delivery: DeliveryRecord; notification: Notification }[];
  /** Records an attempt: sent, failed for good, or retry at nextAt. */
  attempt(
    id: number,
    outcome: { status: DeliveryStatus; nextAt: number | null; error: string | null },
    now: number,
  ): void;
  recent(limit: number): NotificationRecord[];
  /** Deletes notifications (and deliveries) older than `before`, and resolved alerts resolved before it. */
  prune(before: number): void;
}
