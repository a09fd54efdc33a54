/** The server's dispatch entries for the log routes (spread into DISPATCH in dispatch.ts). */
import { VigilError } from '../core/errors.js';
import type { LogApiHandlers } from './handlers-logs.js';
import type { LogSearchQuery, LogTailQuery } from './routes/logs.js';

export const LOG_DISPATCH = {
  logTail: (h: LogApiHandlers, p: { name: string }, q: LogTailQuery) => h.logTail(p.name, q),
  logSearch: (h: LogApiHandlers, p: { name: string }, q: LogSearchQuery) => h.logSearch(p.name, q),
  /** Streams only (dispatch.ts opens the stream when the client accepts text/event-stream). */
  logFollow: (): never => {
    throw new VigilError('E_USAGE', 'this endpoint streams: ask with Accept: text/event-stream');
  },
};
