/**
 * Log levels of JSON log lines, on pino's numeric scale (10 trace … 60 fatal). Pure.
 *
 * A line has a level when it is a JSON object with one of:
 *   - `level` as a number (pino: 10, 20, 30, 40, 50, 60);
 *   - `level`, `levelname` or `severity` as a string (Python structlog / python-json-logger / logging,
 *     winston, bunyan-style names, GCP severity): trace, debug, info, notice, warn/warning, error/err,
 *     critical/crit/fatal/panic/alert/emergency — in any case.
 * Anything else (plain text, a stack-trace line, JSON without a level) has no level.
 */

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;

/** Level names as services write them (any case once lowercased), on pino's scale. */
export const LEVEL_BY_NAME: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  notice: 30,
  warn: 40,
  warning: 40,
  error: 50,
  err: 50,
  critical: 60,
  crit: 60,
  fatal: 60,
  panic: 60,
  alert: 60,
  emergency: 60,
  emerg: 60,
};

/** What `--level` / `level=` accept: a name above, or a pino number (10…60). */
export function parseLevel(raw: string): number | null {
  const s = raw.trim().toLowerCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n >= 1 && n <= 100 ? n : null;
  }
  return LEVEL_BY_NAME[s] ?? null;
}

/** The pino-scale name for a level number (rounded down to the nearest named level). */
export function levelName(level: number): LevelName {
  let best: LevelName = 'trace';
  for (const [name, n] of Object.entries(LEVELS) as [LevelName, number][]) if (level >= n) best = name;
  return best;
}

function fromValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return LEVEL_BY_NAME[v.trim().toLowerCase()] ?? null;
  return null;
}

/** The level of one log line, or null when it has none. */
export function lineLevel(line: string): number | null {
  const start = line.search(/\S/);
  if (start === -1 || line.charCodeAt(start) !== 0x7b /* { */) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  return fromValue(o.level) ?? fromValue(o.levelname) ?? fromValue(o.severity);
}

/** Does a line pass a minimum level (null = no filter)? Lines without a level never pass a filter. */
export function passesLevel(line: string, min: number | null): boolean {
  if (min === null) return true;
  const level = lineLevel(line);
  return level !== null && level >= min;
}
