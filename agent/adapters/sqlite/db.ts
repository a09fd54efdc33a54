/**
 * Opening Vigil's SQLite database: private file modes, WAL, and an integrity check before anything
 * trusts the contents. Schema is applied separately (migrations.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { VigilError } from '../../core/errors.js';

export type Database = BetterSqlite3.Database;

/** Caps the WAL file left on disk after a checkpoint (it is otherwise left at its high-water mark). */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;
const BUSY_TIMEOUT_MS = 5000;
/**
 * SQLite's page cache per connection, in KiB. better-sqlite3 builds SQLite with a 16 MB default, which a
 * long ingestion (200k ledger inserts) fills and keeps: 16 MB of the always-on agent's RSS. The agent's
 * reads are rollups and recent rows, and the OS page cache holds the file anyway, so SQLite's own default
 * (about 2 MB) is plenty (test/bench/RESULTS-usage.md §3).
 */
export const PAGE_CACHE_KIB = 2048;
const IN_MEMORY = ':memory:';

/**
 * Opens (creating if needed) the database at `file`: parent dir created 0700, the file and its
 * -wal/-shm companions 0600, WAL journal, synchronous=NORMAL (a process crash loses nothing that was
 * committed; only a power loss can lose the last commits), busy_timeout 5 s, foreign keys on, a 2 MB page cache (PAGE_CACHE_KIB).
 * Throws VigilError 'E_STORE' naming the file when it cannot be opened or fails `PRAGMA quick_check`.
 * `:memory:` is accepted (tests) and skips the file handling.
 */
export function openDatabase(file: string): Database {
  const onDisk = file !== IN_MEMORY;
  if (onDisk) prepareFile(file);
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(file);
    // First: quick_check reads every page, and with better-sqlite3's 16 MB cache it left a restarted agent
    // up to 16 MB of RSS (its database holds the usage ledger; RESULTS-usage.md §4).
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`); // negative: KiB, not pages
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (onDisk && mode !== 'wal')
      throw new Error(`could not enable WAL journaling (journal_mode is ${String(mode)})`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    if (onDisk) restrictCompanions(file);
    return db;
  } catch (err) {
    if (db?.open) db.close();
    if (err instanceof VigilError) throw err;
    throw new VigilError('E_STORE', `cannot open the database ${file}: ${(err as Error).message}`, {
      cause: err,
      details: { file },
    });
  }
}

/** Creates the parent directory (0700) and the file itself (0600) so it is never briefly world-readable. */
function prepareFile(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
    }
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
  } catch (err) {
    throw new VigilError('E_STORE', `cannot create the database ${file}: ${(err as Error).message}`, {
      cause: err,
      details: { file },
    });
  }
}

/** SQLite gives -wal/-shm the main file's mode; chmod anyway in case they predate a mode change. */
function restrictCompanions(file: string): void {
  for (const suffix of ['-wal', '-shm']) {
    try {
      fs.chmodSync(file + suffix, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
