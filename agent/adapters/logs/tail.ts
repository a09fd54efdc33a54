/**
 * The last N lines of a service's log across the current and the rotated files, read backwards from the
 * end (never the whole file), optionally only lines at a minimum level and/or matching a pattern.
 */
import type { FileHandle } from 'node:fs/promises';
import { passesLevel } from '../../core/logs/level.js';
import { compilePattern, lineMatches, type LineMatcher } from '../../core/logs/match.js';
import type { LogTailQuery } from '../../core/logs/model.js';
import { newestFirst } from './files.js';
import { scanBackward } from './scan.js';
import { sharedRegexRunner, type RegexRunner } from './regex-runner.js';

export type LineRedactor = (line: string) => string;

/** Where the lines returned end: following continues from here without a gap or a repeat. */
export interface LogCursor {
  ino: number;
  offset: number;
}

export interface TailOptions {
  /** Leave out a last line that has no newline yet (following will deliver it whole). */
  completeOnly?: boolean;
  redact?: LineRedactor;
  now?: () => number;
  /**
   * Only lines before this position: the file with this inode (wherever rotation has moved it) up to
   * `offset`, then the older files. No lines when that file is gone (rotated out of `keep`).
   */
  endAt?: LogCursor;
  /** Where a regular expression runs (default: the shared bounded worker; never this thread). */
  regex?: RegexRunner;
}

export interface TailOutput {
  lines: string[];
  files: string[];
  timedOut: boolean;
  scannedBytes: number;
  /** The end of the current file as read (null when there is none yet). */
  cursor: LogCursor | null;
}

export async function tailLog(base: string, q: LogTailQuery, opts: TailOptions = {}): Promise<TailOutput> {
  const now = opts.now ?? (() => performance.now());
  const redact = opts.redact ?? ((l: string) => l);
  const matcher: LineMatcher | null = q.grep ? compilePattern(q.grep) : null;
  const filtered = matcher !== null || q.level !== null;
  const runner = matcher?.kind === 'regex' ? (opts.regex ?? sharedRegexRunner()) : null;
  const deadline = now() + q.timeoutMs;
  const out: string[][] = []; // per region, newest region first
  let count = 0;
  let timedOut = false;
  const files: string[] = [];
  let cursor: LogCursor | null = null;
  let scannedBytes = 0;
  const keep = (line: string): string | null => {
    if (!passesLevel(line, q.level)) return null;
    const shown = redact(line);
    if (matcher !== null && !lineMatches(matcher, shown)) return null;
    return shown;
  };

  let reachedEnd = opts.endAt === undefined;
  for await (const f of newestFirst(base)) {
    if (!reachedEnd) {
      if (f.ino !== opts.endAt!.ino) {
        await f.fh.close();
        continue;
      }
      reachedEnd = true;
    }
    try {
      let end = f.ino === opts.endAt?.ino ? Math.min(f.size, opts.endAt.offset) : f.size;
      if (cursor === null && files.length === 0) {
        if (opts.completeOnly && end > 0) end = await lastNewlineEnd(f.fh, end);
        cursor = { ino: f.ino, offset: end };
      }
      files.push(f.name);
      if (q.lines <= 0) break; // no lines wanted: only the cursor
      scannedBytes += await scanBackward(
        f.fh,
        end,
        async (buf, start, stop) => {
          if (runner !== null && matcher?.kind === 'regex') {
            // The region's lines go to the worker in one batch; the newest matches are kept.
            const shown = regionLines(buf, start, stop)
              .filter((l) => passesLevel(l, q.level))
              .map(redact);
            const hits = await runner.match(matcher.source, matcher.flags, shown);
            const region: string[] = [];
            for (let i = 0; i < shown.length && count < q.lines; i++) {
              if (!hits[i]) continue;
              region.push(shown[i]!);
              count++;
            }
            out.push(region.reverse());
            if (count >= q.lines) return false;
            if (now() > deadline) {
              timedOut = true;
              return false;
            }
            return true;
          }
          const region: string[] = [];
          let e = stop;
          // A region's final newline ends its last line; it does not start an empty one. (Only the file's
          // very last line can lack it: a line still being written.)
          if (buf[e - 1] === 0x0a) e--;
          while (e >= start && count < q.lines) {
            const nl = e > start ? buf.lastIndexOf(0x0a, e - 1) : -1;
            const s = nl >= start ? nl + 1 : start;
            const line = buf.toString('utf8', s, e);
            const kept = filtered ? keep(line) : redact(line);
            if (kept !== null) {
              region.push(kept);
              count++;
            }
            if (s === start) break;
            e = s - 1;
          }
          out.push(region.reverse());
          if (count >= q.lines) return false;
          if (filtered && now() > deadline) {
            timedOut = true;
            return false;
          }
          return true;
        },
        { firstChunk: filtered ? 256 * 1024 : 64 * 1024 },
      );
    } finally {
      await f.fh.close();
    }
    if (count >= q.lines || timedOut) break;
  }
  if (q.lines <= 0) return { lines: [], files, timedOut, scannedBytes, cursor };
  return { lines: out.reverse().flat(), files, timedOut, scannedBytes, cursor };
}

/** The lines of buf[start, stop), newest first (a final newline ends the last line; it starts none). */
function regionLines(buf: Buffer, start: number, stop: number): string[] {
  const lines: string[] = [];
  let e = buf[stop - 1] === 0x0a ? stop - 1 : stop;
  while (e >= start) {
    const nl = e > start ? buf.lastIndexOf(0x0a, e - 1) : -1;
    const s = nl >= start ? nl + 1 : start;
    lines.push(buf.toString('utf8', s, e));
    if (s === start) break;
    e = s - 1;
  }
  return lines;
}

/** The offset just after the last newline before `size` (0 when there is none). */
async function lastNewlineEnd(fh: FileHandle, size: number): Promise<number> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let pos = size;
  while (pos > 0) {
    const len = Math.min(buf.length, pos);
    pos -= len;
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) return pos + nl + 1;
  }
  return 0;
}
