/**
 * The last lines of a service's log for crash events and rotation checks: read from the end, across the
 * current file and the rotated ones (right after a rotation the current file may hold almost nothing).
 * See agent/adapters/logs/tail.ts.
 */
import { DEFAULT_SEARCH_TIMEOUT_MS } from '../../core/logs/model.js';
import type { LogEnd } from '../../core/observed.js';
import { tailLog } from '../logs/tail.js';

/**
 * The last `n` lines of `file` (and `file.1`, `file.2` … before it); [] when there is no log. With `until`
 * (where a dead process's output ended, from its exit record): the last lines before that position, in
 * whichever file rotation has moved it to; [] when that file was rotated away.
 */
export async function tailLines(file: string, n: number, until?: LogEnd): Promise<string[]> {
  const q = { lines: n, level: null, grep: null, timeoutMs: DEFAULT_SEARCH_TIMEOUT_MS };
  return (await tailLog(file, q, until ? { endAt: { ino: until.ino, offset: until.offset } } : {})).lines;
}
