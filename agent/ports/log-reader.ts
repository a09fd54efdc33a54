/**
 * Reading services' logs ($VIGIL_HOME/logs/<name>.log and its rotated files). Every line handed out has
 * been through the redactor (secret values replaced by [redacted:<set>/<KEY>]). (Usage ingestion reads
 * logs through its own port, UsageLogReader in ports/usage-sources.ts.)
 */
import type { LogEnd } from '../core/observed.js';
import type { LogSearchQuery, LogSearchResult, LogTailQuery, LogTailResult } from '../core/logs/model.js';

export interface LogReader {
  /** The last lines (filtered by level and pattern when asked), oldest first. */
  tail(service: string, q: LogTailQuery): Promise<LogTailResult>;
  /** The most recent matching lines, bounded in count and time. */
  search(service: string, q: LogSearchQuery): Promise<LogSearchResult>;
  /**
   * Delivers the last `q.lines` lines that pass the filters (one call, even with no lines: the log is
   * open), then every new one, until the signal aborts (resolves then). onLines may return a promise to
   * slow the reader down. An unknown service throws before the first call.
   */
  follow(
    service: string,
    q: LogTailQuery,
    onLines: (lines: string[]) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;
}

/**
 * The last `lines` lines of a service's log for crash evidence; with `until` (from the exit record: where
 * the dead process's output ended), the lines before that position, never a later process's.
 */
export type LogTailReader = (service: string, lines: number, until?: LogEnd) => Promise<string[]>;
