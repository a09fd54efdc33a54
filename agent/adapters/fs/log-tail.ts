/**
 * The last lines of a service's log for crash events and rotation checks: read from the end, across the
 * current file and the rotated ones (right after a rotation the current file may hold almost nothing).
 * See agent/adapters/logs/tail.ts.
 *
 * The common case — the lines are all in the last 64 KiB of the current file, or that file is the whole
 * log — is read with a few synchronous system calls (microseconds on a local file): a crash's event then
 * waits for no thread-pool round trip, each of which costs a wake-up of its own on a loaded machine.
 * Anything else (rotation involved, a file that moved) goes through tailLog, with the same result; it is
 * imported then (with the log scanner and its regex worker), not when the agent starts.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SEARCH_TIMEOUT_MS } from '../../core/logs/model.js';
import type { LogEnd } from '../../core/observed.js';

const QUICK_BYTES = 64 * 1024;

/**
 * The last `n` lines of `file` (and `file.1`, `file.2` … before it); [] when there is no log. With `until`
 * (where a dead process's output ended, from its exit record): the last lines before that position, in
 * whichever file rotation has moved it to; [] when that file was rotated away.
 */
export async function tailLines(file: string, n: number, until?: LogEnd): Promise<string[]> {
  const quick = quickTail(file, n, until);
  if (quick !== null) return quick;
  const q = { lines: n, level: null, grep: null, timeoutMs: DEFAULT_SEARCH_TIMEOUT_MS };
  const { tailLog } = await import('../logs/tail.js');
  return (await tailLog(file, q, until ? { endAt: { ino: until.ino, offset: until.offset } } : {})).lines;
}

/** The lines from the current file alone, or null when the answer may need another file. */
export function quickTail(file: string, n: number, until?: LogEnd): string[] | null {
  if (n <= 0) return null;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (until !== undefined && st.ino !== until.ino) return null;
    const end = until === undefined ? st.size : Math.min(st.size, until.offset);
    const start = Math.max(0, end - QUICK_BYTES);
    const buf = Buffer.allocUnsafe(end - start);
    let got = 0;
    while (got < buf.length) {
      const r = readSync(fd, buf, got, buf.length - got, start + got);
      if (r === 0) break;
      got += r;
    }
    if (got < buf.length) return null;
    // A final newline ends the last line; it starts none. The window's first line may be cut: not shown.
    let text = buf.toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const lines = end === 0 ? [] : text.split('\n');
    if (start > 0) lines.shift();
    if (lines.length >= n) return lines.slice(-n);
    return start === 0 && !hasRotated(file) ? lines : null;
  } finally {
    closeSync(fd);
  }
}

function hasRotated(file: string): boolean {
  const prefix = `${path.basename(file)}.`;
  try {
    return readdirSync(path.dirname(file)).some(
      (x) => x.startsWith(prefix) && /^[1-9]\d{0,5}$/.test(x.slice(prefix.length)),
    );
  } catch {
    return true;
  }
}
