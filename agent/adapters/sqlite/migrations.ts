/**
 * Versioned schema migrations keyed on `PRAGMA user_version`. To change the schema, append a
 * migration with the next version to MIGRATIONS; never edit one that has shipped.
 */
import { VigilError } from '../../core/errors.js';
import type { Database } from './db.js';
import { CREDENTIALS_MIGRATION } from './migration-credentials.js';
import { USAGE_MIGRATION } from './usage-schema.js';
import { MONITOR_MIGRATION } from './migration-monitor.js';

export interface Migration {
  /** 1, 2, 3… consecutive; the database's user_version after this migration has run. */
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'services, events, state',
    up(db) {
      db.exec(`
        CREATE TABLE services (
          name TEXT PRIMARY KEY,
          unit TEXT NOT NULL,
          spec TEXT NOT NULL,
          hash TEXT NOT NULL,
          installed_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE events (
          id INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE,
          at INTEGER NOT NULL,
          service TEXT,
          type TEXT NOT NULL,
          severity TEXT NOT NULL,
          message TEXT NOT NULL,
          exit TEXT,
          log_tail TEXT,
          data TEXT
        );
        CREATE INDEX events_at ON events (at);
        CREATE INDEX events_service_at ON events (service, at);
        CREATE TABLE state (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  CREDENTIALS_MIGRATION,
  USAGE_MIGRATION,
  MONITOR_MIGRATION,
];

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

export function schemaVersion(db: Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Brings the database up to the newest migration. Each migration runs in its own IMMEDIATE
 * transaction together with its user_version bump, so a crash leaves the database at a whole version;
 * the version is re-read inside the transaction, so two processes migrating at once apply each step once.
 * A database written by a newer Vigil is refused (E_STORE) rather than misread.
 */
export function migrate(db: Database, unordered: readonly Migration[] = MIGRATIONS): MigrationResult {
  // Sorted by version: features append their migration in whatever order they land.
  const migrations = [...unordered].sort((a, b) => a.version - b.version);
  checkOrder(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const from = schemaVersion(db);
  refuseNewer(db, from, latest);
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    const ran = db
      .transaction(() => {
        const current = schemaVersion(db);
        refuseNewer(db, current, latest);
        if (current >= m.version) return false;
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
        return true;
      })
      .immediate();
    if (ran) applied.push(`${m.version} ${m.name}`);
  }
  return { from, to: schemaVersion(db), applied };
}

function refuseNewer(db: Database, version: number, latest: number): void {
  if (version > latest) {
    throw new VigilError(
      'E_STORE',
      `the database ${db.name} has schema version ${version}, but this Vigil only knows up to version ${latest}; ` +
        'it was written by a newer Vigil: upgrade Vigil (or move the database aside)',
      { details: { file: db.name, version, latest } },
    );
  }
}

/** After sorting: 1, 2, 3… with no gap and no duplicate (a gap would let a database skip a migration). */
function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new VigilError(
        'E_STORE',
        `migration "${m.name}" has version ${m.version}; expected ${i + 1} (versions are 1, 2, 3…)`,
      );
    }
  });
}
