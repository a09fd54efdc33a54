/**
 * Searching a service's log (current and rotated files) for a substring or a regular expression: the
 * most recent `limit` matching lines, newest file first, each file read backwards in large regions.
 *
 * A substring is found with Buffer#indexOf on the raw bytes (no decoding except of matching lines). A
 * regular expression with literals one of which every match must contain (requiredLiterals: `NEEDLE-\d+`,
 * `timeout|refused`) is run only on the lines holding one, found the same way; any other runs over each
 * decoded region (flags g and m, so ^ and $ are line anchors) and every hit is checked against its own
 * line. One line counts once, like `grep -c`.
 */
import { passesLevel } from '../../core/logs/level.js';
import { isAscii } from 'node:buffer';
import { compilePattern, lineMatches, requiredLiterals, type LineMatcher } from '../../core/logs/match.js';
import type { LogMatch, LogSearchQuery, LogSearchResult } from '../../core/logs/model.js';
import { newestFirst } from './files.js';
import { scanBackward } from './scan.js';
import type { LineRedactor } from './tail.js';

export interface SearchOptions {
  redact?: LineRedactor;
  now?: () => number;
}

export type SearchOutput = Omit<LogSearchResult, 'service'>;

/** Shorter literals are in nearly every line: not worth a byte search first. */
const MIN_LITERAL = 3;

export async function searchLog(
  base: string,
  q: LogSearchQuery,
  opts: SearchOptions = {},
): Promise<SearchOutput> {
  const now = opts.now ?? (() => performance.now());
  const redact = opts.redact ?? ((l: string) => l);
  const matcher = compilePattern(q);
  // A regex with a literal every match contains: find candidate lines by that literal, test only those.
  const literals =
    matcher.kind === 'regex' && !matcher.flags.includes('i')
      ? requiredLiterals(matcher.source, MIN_LITERAL)
      : null;
  // Decoded regions stay small, so their strings are young-generation garbage (measured ~3× faster).
  const region = matcher.kind === 'fixed' || literals !== null ? 256 * 1024 : 64 * 1024;
  const started = now();
  const deadline = started + q.timeoutMs;
  const regions: LogMatch[][] = []; // newest region first
  let count = 0;
  let truncated = false;
  let timedOut = false;
  let scannedBytes = 0;
  const files: string[] = [];

  /** A candidate line: level filter, redaction, and the match checked again on what will be shown. */
  const accept = (line: string): string | null => {
    if (!passesLevel(line, q.level)) return null;
    const shown = redact(line);
    return shown === line || lineMatches(matcher, shown) ? shown : null;
  };

  for await (const f of newestFirst(base)) {
    files.push(f.name);
    try {
      scannedBytes += await scanBackward(
        f.fh,
        f.size,
        (buf, start, stop) => {
          const end = buf[stop - 1] === 0x0a ? stop - 1 : stop;
          const found: LogMatch[] = [];
          const push = (line: string): void => {
            const shown = accept(line);
            if (shown !== null) found.push({ file: f.name, line: shown });
          };
          if (matcher.kind === 'fixed') findFixed(buf, start, end, matcher.needle, push);
          else if (literals !== null)
            findAny(buf, start, end, literals, (line) => matcher.test(line) && push(line));
          else findRegex(decode(buf, start, end), matcher, push);
          regions.push(found);
          count += found.length;
          if (count >= q.limit) {
            truncated = true;
            return false;
          }
          if (now() > deadline) {
            timedOut = true;
            return false;
          }
          return true;
        },
        { firstChunk: region, maxChunk: region },
      );
    } finally {
      await f.fh.close();
    }
    if (truncated || timedOut) break;
  }
  const all = regions.reverse().flat();
  return {
    matches: all.slice(Math.max(0, all.length - q.limit)),
    truncated,
    timedOut,
    scannedBytes,
    elapsedMs: Math.round(now() - started),
    files,
  };
}

/** Lines in buf[start, end) (newline-separated) that contain `needle`, in order. */
function findFixed(
  buf: Buffer,
  start: number,
  end: number,
  needle: string,
  push: (line: string) => unknown,
): void {
  const view = buf.subarray(0, end);
  const pat = Buffer.from(needle, 'utf8');
  let i = start;
  for (;;) {
    const hit = view.indexOf(pat, i);
    if (hit === -1) return;
    const ls = Math.max(start, view.lastIndexOf(0x0a, hit) + 1);
    let le = view.indexOf(0x0a, hit);
    if (le === -1) le = end;
    push(view.toString('utf8', ls, le));
    if (le >= end) return;
    i = le + 1;
  }
}

/** Lines in buf[start, end) holding any of the literals, each once, in order. */
function findAny(
  buf: Buffer,
  start: number,
  end: number,
  literals: readonly string[],
  push: (line: string) => unknown,
): void {
  if (literals.length === 1) {
    findFixed(buf, start, end, literals[0]!, push);
    return;
  }
  const view = buf.subarray(0, end);
  const starts = new Map<number, number>(); // line start → line end
  for (const lit of literals) {
    const pat = Buffer.from(lit, 'utf8');
    let i = start;
    for (;;) {
      const hit = view.indexOf(pat, i);
      if (hit === -1) break;
      const ls = Math.max(start, view.lastIndexOf(0x0a, hit) + 1);
      let le = view.indexOf(0x0a, hit);
      if (le === -1) le = end;
      starts.set(ls, le);
      if (le >= end) break;
      i = le + 1;
    }
  }
  for (const ls of [...starts.keys()].sort((a, b) => a - b)) push(view.toString('utf8', ls, starts.get(ls)));
}

/** A region as text: pure ASCII (most logs) decodes as latin1, which is the same string and much faster. */
function decode(buf: Buffer, start: number, end: number): string {
  return isAscii(buf.subarray(start, end))
    ? buf.toString('latin1', start, end)
    : buf.toString('utf8', start, end);
}

/** Lines of `text` (newline-separated) matched by the regular expression, in order. */
function findRegex(
  text: string,
  m: Extract<LineMatcher, { kind: 'regex' }>,
  push: (line: string) => void,
): void {
  const re = new RegExp(m.source, `${m.flags}gm`);
  for (;;) {
    const hit = re.exec(text);
    if (hit === null) return;
    const at = hit.index;
    const ls = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
    let le = text.indexOf('\n', at);
    if (le === -1) le = text.length;
    const line = text.slice(ls, le);
    // A hit may span lines (\s matches a newline): it counts only if the line matches on its own.
    if (m.test(line)) push(line);
    if (le >= text.length) return;
    re.lastIndex = le + 1;
  }
}
