/** Schema of the usage ledger (migration 4): entries with unique keys, daily and hourly rollups. */
import type { Database } from './db.js';

export const USAGE_MIGRATION = {
  version: 4,
  name: 'usage ledger',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE usage_events (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        model TEXT NOT NULL,
        provider TEXT,
        source TEXT NOT NULL,
        requests INTEGER NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        cost_micro INTEGER,
        cost_source TEXT NOT NULL,
        pricing TEXT
      );
      CREATE TABLE usage_daily (
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        model TEXT NOT NULL,
        entries INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        cost_micro INTEGER NOT NULL,
        reported_micro INTEGER NOT NULL,
        unpriced_requests INTEGER NOT NULL,
        unpriced_tokens INTEGER NOT NULL,
        PRIMARY KEY (day, service, model)
      ) WITHOUT ROWID;
      CREATE TABLE usage_hourly (
        hour TEXT NOT NULL,
        service TEXT NOT NULL,
        model TEXT NOT NULL,
        requests INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        cost_micro INTEGER NOT NULL,
        unpriced_requests INTEGER NOT NULL,
        PRIMARY KEY (hour, service, model)
      ) WITHOUT ROWID;
    `);
  },
};
