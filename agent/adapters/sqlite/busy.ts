/**
 * How long the agent's connection waits for another process's lock. better-sqlite3 is synchronous: its
 * busy handler sleeps on the calling thread, which in the agent is the event loop. The agent waits at
 * most AGENT_BUSY_TIMEOUT_MS and then gets SQLITE_BUSY; its writes are kept and retried later by the
 * daemon's WriteQueue instead of blocking every request for the CLI's 5 s. (Readers never wait: WAL.)
 */
import type { Database } from './db.js';

export { isStoreBusy } from '../../core/errors.js';

/** Short enough that a blocked write never holds the event loop past the ~50 ms budget. */
export const AGENT_BUSY_TIMEOUT_MS = 40;

/**
 * SQLite's page cache for the agent's long-lived connection, in KiB (SQLite's default is 2,000). The
 * database only grows (events, usage), so the cache fills to its bound over hours of churn; a smaller
 * bound makes the agent's memory flat sooner, and the OS's page cache still holds the file.
 */
export const AGENT_PAGE_CACHE_KIB = 1024;

/** Sets the connection's busy timeout (the CLI keeps openDatabase's 5 s: it has no event loop to keep). */
export function shortenBusyWait(db: Database, ms: number = AGENT_BUSY_TIMEOUT_MS): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}

/** The agent's connection: a short busy wait and a bounded page cache. */
export function tuneAgentConnection(db: Database): void {
  shortenBusyWait(db);
  db.pragma(`cache_size = -${AGENT_PAGE_CACHE_KIB}`);
}
