/**
 * Log routes: the last lines of a service's log, a bounded search, and a live stream (server-sent
 * events). Browser-safe: types, the route table, query codecs and the stream's wire format.
 *
 *   GET /api/logs/:name?lines=&level=&grep=&regex=&ignoreCase=            → LogTailResult
 *   GET /api/logs/:name/search?q=&regex=&ignoreCase=&limit=&timeoutMs=&level=  → LogSearchResult
 *   GET /api/logs/:name/follow?lines=&level=&grep=&regex=&ignoreCase=     → text/event-stream of
 *       `event: log` messages, data `{"lines":[…]}`: first the last `lines` lines, then new ones.
 */
import { parseLevel } from '../../core/logs/level.js';

/** The level scale and names, for clients that read levels themselves (the dashboard's log viewer). */
export { LEVELS, LEVEL_BY_NAME, levelName, type LevelName } from '../../core/logs/level.js';
import {
  DEFAULT_SEARCH_LIMIT,
  DEFAULT_SEARCH_TIMEOUT_MS,
  DEFAULT_TAIL_LINES,
  MAX_SEARCH_LIMIT,
  MAX_SEARCH_TIMEOUT_MS,
  MAX_TAIL_LINES,
  type LogSearchQuery,
  type LogSearchResult,
  type LogTailQuery,
  type LogTailResult,
} from '../../core/logs/model.js';
import {
  onlyKeys,
  parseCount,
  usageError,
  type QueryCodec,
  type QueryCodecs,
  type RouteSpec,
} from '../route-spec.js';

export type {
  LogMatch,
  LogSearchQuery,
  LogSearchResult,
  LogTailQuery,
  LogTailResult,
} from '../../core/logs/model.js';

export const LOG_ROUTES = {
  logTail: { method: 'GET', path: '/api/logs/:name' },
  logSearch: { method: 'GET', path: '/api/logs/:name/search' },
  logFollow: { method: 'GET', path: '/api/logs/:name/follow', stream: true },
} as const satisfies Record<string, RouteSpec>;

type NameParam = { name: string };

export interface LogRouteTypes {
  logTail: { params: NameParam; query: LogTailQuery; body: undefined; response: LogTailResult };
  logSearch: { params: NameParam; query: LogSearchQuery; body: undefined; response: LogSearchResult };
  /** Only as an event stream; the JSON response type is never produced. */
  logFollow: { params: NameParam; query: LogTailQuery; body: undefined; response: never };
}

/** The `event:` name of log stream messages. */
export const LOG_SSE_EVENT = 'log';

export interface LogStreamMessage {
  lines: string[];
}

export function formatLogMessage(lines: readonly string[]): string {
  return `event: ${LOG_SSE_EVENT}\ndata: ${JSON.stringify({ lines })}\n\n`;
}

/**
 * The `event:` name of the message that ends a log stream on an error after it started (e.g.
 * E_REGEX_TIMEOUT: the pattern met a line it backtracks on for ever), data `{"code","message"}`.
 */
export const LOG_SSE_ERROR_EVENT = 'log-error';

export interface LogStreamError {
  code: string;
  message: string;
}

export function formatLogError(e: LogStreamError): string {
  return `event: ${LOG_SSE_ERROR_EVENT}\ndata: ${JSON.stringify({ code: e.code, message: e.message })}\n\n`;
}

function parseBool(key: string, raw: string | null): boolean {
  if (raw === null || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw usageError(`${key} must be true or false, got "${raw}"`);
}

function decodeLevel(raw: string | null): number | null {
  if (raw === null || raw === '') return null;
  const level = parseLevel(raw);
  if (level === null) {
    throw usageError(
      `level must be trace, debug, info, warn, error, fatal (or a pino number 10-60), got "${raw}"`,
    );
  }
  return level;
}

function decodeTimeout(raw: string | null): number {
  return raw === null ? DEFAULT_SEARCH_TIMEOUT_MS : parseCount('timeoutMs', raw, 1, MAX_SEARCH_TIMEOUT_MS);
}

const TAIL_KEYS = new Set(['lines', 'level', 'grep', 'regex', 'ignoreCase', 'timeoutMs']);

const tailCodec = (path: string): QueryCodec<LogTailQuery> => ({
  encode(q) {
    const sp = new URLSearchParams();
    sp.set('lines', String(q.lines));
    if (q.level !== null) sp.set('level', String(q.level));
    if (q.grep !== null) {
      sp.set('grep', q.grep.pattern);
      if (q.grep.regex) sp.set('regex', 'true');
      if (q.grep.ignoreCase) sp.set('ignoreCase', 'true');
    }
    if (q.timeoutMs !== DEFAULT_SEARCH_TIMEOUT_MS) sp.set('timeoutMs', String(q.timeoutMs));
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, TAIL_KEYS, path);
    const lines = sp.get('lines');
    const grep = sp.get('grep');
    const regex = parseBool('regex', sp.get('regex'));
    const ignoreCase = parseBool('ignoreCase', sp.get('ignoreCase'));
    return {
      lines: lines === null ? DEFAULT_TAIL_LINES : parseCount('lines', lines, 0, MAX_TAIL_LINES),
      level: decodeLevel(sp.get('level')),
      grep: grep === null || grep === '' ? null : { pattern: grep, regex, ignoreCase },
      timeoutMs: decodeTimeout(sp.get('timeoutMs')),
    };
  },
});

const SEARCH_KEYS = new Set(['q', 'regex', 'ignoreCase', 'limit', 'timeoutMs', 'level']);

const searchCodec: QueryCodec<LogSearchQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    sp.set('q', q.pattern);
    if (q.regex) sp.set('regex', 'true');
    if (q.ignoreCase) sp.set('ignoreCase', 'true');
    sp.set('limit', String(q.limit));
    sp.set('timeoutMs', String(q.timeoutMs));
    if (q.level !== null) sp.set('level', String(q.level));
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, SEARCH_KEYS, '/api/logs/:name/search');
    const pattern = sp.get('q');
    if (pattern === null || pattern === '')
      throw usageError('q (the text or pattern to search for) is required');
    const limit = sp.get('limit');
    return {
      pattern,
      regex: parseBool('regex', sp.get('regex')),
      ignoreCase: parseBool('ignoreCase', sp.get('ignoreCase')),
      limit: limit === null ? DEFAULT_SEARCH_LIMIT : parseCount('limit', limit, 1, MAX_SEARCH_LIMIT),
      timeoutMs: decodeTimeout(sp.get('timeoutMs')),
      level: decodeLevel(sp.get('level')),
    };
  },
};

export const LOG_QUERY_CODECS: QueryCodecs<LogRouteTypes> = {
  logTail: tailCodec('/api/logs/:name'),
  logSearch: searchCodec,
  logFollow: tailCodec('/api/logs/:name/follow'),
};
