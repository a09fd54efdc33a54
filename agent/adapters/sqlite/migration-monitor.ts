/**
 * Migration 3: health/resources/alerts. Resource samples (raw, kept 24 h) and their 1-minute rollups
 * (kept 30 days), the alert engine's state, and every notification with its deliveries per channel.
 */
import type { Migration } from './migrations.js';

export const MONITOR_MIGRATION: Migration = {
  version: 3,
  name: 'resource samples and rollups, alert state, notifications and deliveries',
  up(db) {
    db.exec(`
      CREATE TABLE resource_samples (
        service TEXT NOT NULL,
        at INTEGER NOT NULL,
        cpu REAL,
        mem INTEGER,
        source TEXT,
        PRIMARY KEY (service, at)
      ) WITHOUT ROWID;
      CREATE TABLE resource_minutes (
        service TEXT NOT NULL,
        minute INTEGER NOT NULL,
        cpu_sum REAL NOT NULL DEFAULT 0,
        cpu_n INTEGER NOT NULL DEFAULT 0,
        cpu_max REAL,
        mem_sum REAL NOT NULL DEFAULT 0,
        mem_n INTEGER NOT NULL DEFAULT 0,
        mem_max INTEGER,
        PRIMARY KEY (service, minute)
      ) WITHOUT ROWID;
      CREATE TABLE alerts (
        key TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        service TEXT,
        severity TEXT NOT NULL,
        firing INTEGER NOT NULL,
        since INTEGER NOT NULL,
        resolved_at INTEGER,
        message TEXT NOT NULL,
        notified_at INTEGER,
        notified INTEGER NOT NULL,
        pending INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        service TEXT,
        rule TEXT,
        alert_key TEXT,
        at INTEGER NOT NULL,
        status TEXT NOT NULL,
        items TEXT
      ) WITHOUT ROWID;
      CREATE INDEX notifications_at ON notifications (at);
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (notification_id, channel)
      );
      CREATE INDEX deliveries_due ON deliveries (status, next_at);
    `);
  },
};
