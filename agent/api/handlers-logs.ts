/** What the daemon implements for the log routes (agent/api/routes/logs.ts). */
import type { LogSearchQuery, LogSearchResult, LogTailQuery, LogTailResult } from '../core/logs/model.js';

export interface LogApiHandlers {
  /** GET /api/logs/:name */
  logTail(service: string, q: LogTailQuery): Promise<LogTailResult>;
  /** GET /api/logs/:name/search */
  logSearch(service: string, q: LogSearchQuery): Promise<LogSearchResult>;
  /**
   * GET /api/logs/:name/follow: calls onLines first with the last lines (possibly none; an unknown
   * service throws before that), then with new lines, until the signal aborts.
   */
  logFollow(
    service: string,
    q: LogTailQuery,
    onLines: (lines: string[]) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;
}
