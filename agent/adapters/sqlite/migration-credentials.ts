/**
 * Migration 2: the credential store's ledger. `credential_audit` is the trail of every change to a set
 * (who, what key names, which services were restarted, outcome, duration); `credential_locks` holds the
 * per-set write lock across processes (CLI and agent). Neither ever holds a secret value.
 */
import type { Migration } from './migrations.js';

export const CREDENTIALS_MIGRATION: Migration = {
  version: 2,
  name: 'credential audit trail and locks',
  up(db) {
    db.exec(`
      CREATE TABLE credential_audit (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        set_name TEXT NOT NULL,
        keys TEXT NOT NULL,
        services TEXT NOT NULL,
        outcome TEXT NOT NULL,
        failed_service TEXT,
        reason TEXT,
        duration_ms INTEGER
      );
      CREATE INDEX credential_audit_set_started ON credential_audit (set_name, started_at);
      CREATE INDEX credential_audit_started ON credential_audit (started_at);
      CREATE TABLE credential_locks (
        set_name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        pid INTEGER NOT NULL,
        token TEXT NOT NULL,
        acquired_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
