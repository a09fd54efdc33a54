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

/** Sets the connection's busy timeout (the CLI keeps openDatabase's 5 s: it has no event loop to keep). */
export function shortenBusyWait(db: Database, ms: number = AGENT_BUSY_TIMEOUT_MS): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}
