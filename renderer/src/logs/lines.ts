/**
 * The log viewer's data: a growable buffer of lines with their levels (so 100k lines filter in a few
 * milliseconds), level detection for JSON and plain-text lines, and the segments a line is drawn in
 * (search matches highlighted, redacted secrets marked). Pure: no DOM.
 */

import {
  LEVELS,
  LEVEL_BY_NAME as NAMES,
  levelName as nameOnScale,
  type LevelName,
} from '../../../agent/api/contract.js';

/** pino's scale (the agent's, through the contract); 0 = no level. */
export { LEVELS, type LevelName };

const JSON_LEVEL = /"(?:level|levelname|severity)"\s*:\s*(?:(\d{1,3})|"([A-Za-z]+)")/;
const TEXT_LEVEL =
  /(?:^|[\s[(|])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|PANIC)(?=[\s\]):|]|$)|\blevel=(\w+)/;

/** The level of one line (0 when it has none): JSON `level`/`levelname`/`severity`, or an upper-case word near the start. */
export function levelOf(line: string): number {
  const first = line.charCodeAt(0);
  if (first === 0x7b /* { */) {
    const m = JSON_LEVEL.exec(line);
    if (m !== null) return m[1] !== undefined ? Number(m[1]) : (NAMES[m[2]!.toLowerCase()] ?? 0);
    return 0;
  }
  const m = TEXT_LEVEL.exec(line.length > 120 ? line.slice(0, 120) : line);
  if (m === null) return 0;
  return NAMES[(m[1] ?? m[2] ?? '').toLowerCase()] ?? 0;
}

export function levelName(level: number): LevelName | null {
  return level <= 0 ? null : nameOnScale(level);
}

/** Lines and levels, appended at the end, oldest dropped beyond `max`. Mutable; `version` counts changes. */
export class LogBuffer {
  private lines: string[] = [];
  private levels = new Uint8Array(1024);
  private start = 0;
  version = 0;

  constructor(readonly max = 200_000) {}

  get length(): number {
    return this.lines.length - this.start;
  }

  line(i: number): string {
    return this.lines[this.start + i]!;
  }

  level(i: number): number {
    return this.levels[this.start + i]!;
  }

  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const need = this.lines.length + lines.length;
    if (need > this.levels.length) {
      const grown = new Uint8Array(Math.max(need, this.levels.length * 2));
      grown.set(this.levels.subarray(0, this.lines.length));
      this.levels = grown;
    }
    for (const l of lines) {
      this.levels[this.lines.length] = levelOf(l);
      this.lines.push(l);
    }
    if (this.length > this.max) this.start = this.lines.length - this.max;
    // Compact now and then, so dropped lines are freed.
    if (this.start > this.max) {
      this.lines = this.lines.slice(this.start);
      this.levels = this.levels.slice(this.start, this.start + Math.max(this.lines.length, 1024));
      this.start = 0;
    }
    this.version++;
  }

  clear(): void {
    this.lines = [];
    this.levels = new Uint8Array(1024);
    this.start = 0;
    this.version++;
  }
}

export interface LineFilter {
  /** Minimum level; lines without a level pass only when this is 0. */
  minLevel: number;
  /** Case-insensitive substring; '' matches everything. */
  query: string;
}

/** Indices of the lines that pass the filter (all of them, as null, when there is no filter). */
export function filterLines(buf: LogBuffer, f: LineFilter): Int32Array | null {
  if (f.minLevel <= 0 && f.query === '') return null;
  const q = f.query.toLowerCase();
  const out = new Int32Array(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    if (f.minLevel > 0 && buf.level(i) < f.minLevel) continue;
    if (q !== '' && !buf.line(i).toLowerCase().includes(q)) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'match'; text: string }
  | { kind: 'redacted'; text: string; label: string };

const REDACTED = /\[redacted:([A-Za-z0-9_.-]+\/[A-Za-z_][A-Za-z0-9_]*)\]/g;

function matches(text: string, query: string, out: Segment[]): void {
  if (query === '') {
    if (text !== '') out.push({ kind: 'text', text });
    return;
  }
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let from = 0;
  for (;;) {
    const at = lower.indexOf(q, from);
    if (at === -1) break;
    if (at > from) out.push({ kind: 'text', text: text.slice(from, at) });
    out.push({ kind: 'match', text: text.slice(at, at + q.length) });
    from = at + q.length;
  }
  if (from < text.length) out.push({ kind: 'text', text: text.slice(from) });
}

/** How to draw a line: plain text, search matches, and `[redacted:set/KEY]` markers as their own segments. */
export function segments(line: string, query: string): Segment[] {
  if (query === '' && !line.includes('[redacted:')) return [{ kind: 'text', text: line }];
  const out: Segment[] = [];
  let from = 0;
  REDACTED.lastIndex = 0;
  for (let m = REDACTED.exec(line); m !== null; m = REDACTED.exec(line)) {
    matches(line.slice(from, m.index), query, out);
    out.push({ kind: 'redacted', text: m[0], label: m[1]! });
    from = m.index + m[0].length;
  }
  matches(line.slice(from), query, out);
  return out;
}

/** Which rows to draw for a scroll position (fixed row height), with some overscan. */
export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(viewport / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}
