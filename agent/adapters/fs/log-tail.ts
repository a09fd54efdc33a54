/**
 * The last lines of a service's log for crash events and rotation checks: read from the end, across the
 * current file and the rotated ones (right after a rotation the current file may hold almost nothing).
 * See agent/adapters/logs/tail.ts.
 */
import { DEFAULT_SEARCH_TIMEOUT_MS } from '../../core/logs/model.js';
import { tailLog } from '../logs/tail.js';

/** The last `n` lines of `file` (and `file.1`, `file.2` … before it); [] when there is no log. */
export async function tailLines(file: string, n: number): Promise<string[]> {
  return (await tailLog(file, { lines: n, level: null, grep: null, timeoutMs: DEFAULT_SEARCH_TIMEOUT_MS })).lines;
}
