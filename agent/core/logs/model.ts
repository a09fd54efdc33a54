/**
 * Reading a service's logs: the queries and results shared by the log reader, the API and the CLI.
 * Pure and browser-safe (the API contract re-exports these types).
 *
 * Files: `$VIGIL_HOME/logs/<name>.log` is the current file, `<name>.log.1` the newest rotated one,
 * `<name>.log.K` the oldest (vigil-launch rotates them). Results are in the order the lines were written.
 */

export const DEFAULT_TAIL_LINES = 50;
export const MAX_TAIL_LINES = 100_000;
export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 10_000;
export const DEFAULT_SEARCH_TIMEOUT_MS = 10_000;
export const MAX_SEARCH_TIMEOUT_MS = 120_000;

/** A text pattern: a plain substring, or a JavaScript regular expression (each line matched on its own). */
export interface LogPattern {
  pattern: string;
  regex: boolean;
  ignoreCase: boolean;
}

export interface LogTailQuery {
  /** How many lines (the last ones that pass the filters). */
  lines: number;
  /** Minimum level on pino's scale (see level.ts); null: every line. */
  level: number | null;
  /** Only lines matching this pattern. */
  grep: LogPattern | null;
  /** Stop scanning after this long (only matters with filters). */
  timeoutMs: number;
}

export interface LogSearchQuery extends LogPattern {
  /** At most this many matches: the most recent ones. */
  limit: number;
  level: number | null;
  timeoutMs: number;
}

/** One line found by a search, and the file it is in (base name, e.g. "web.log.2"). */
export interface LogMatch {
  file: string;
  line: string;
}

export interface LogTailResult {
  service: string;
  lines: string[];
  /** Files read, newest first (base names). */
  files: string[];
  /** Gave up before finding `lines` lines (the time bound): earlier matching lines may exist. */
  timedOut: boolean;
  /** Bytes read to find them (reading starts at the end: this does not grow with the file). */
  scannedBytes: number;
}

export interface LogSearchResult {
  service: string;
  /** The most recent matches (at most `limit`), oldest first. */
  matches: LogMatch[];
  /** The limit was reached: older matches may exist. */
  truncated: boolean;
  /** The time bound was reached before every file was searched. */
  timedOut: boolean;
  scannedBytes: number;
  elapsedMs: number;
  files: string[];
}
