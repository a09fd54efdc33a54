/**
 * The open log: the last lines of one service (up to 100k in memory), follow mode over the agent's log
 * stream, a search across every log file, and the viewer's filter (level, search). The buffer is
 * mutable for speed; `logVersion` tells components when it changed.
 */
import type { StateCreator } from 'zustand/vanilla';
import { LOG_SSE_EVENT, buildPath, type LogTailQuery } from '../../../agent/api/contract.js';
import { isApiError } from '../api/client.js';
import { openStream, type StreamState } from '../api/stream.js';
import { LogBuffer, type LineFilter } from '../logs/lines.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { IDLE, type Availability } from './types.js';

export interface LogSearchInfo {
  query: string;
  matches: number;
  truncated: boolean;
  timedOut: boolean;
}

export interface LogsSlice {
  logService: string | null;
  logBuffer: LogBuffer;
  logVersion: number;
  logState: Availability;
  /** Follow mode: the tail and then new lines stream in; the view sticks to the end. */
  following: boolean;
  followState: StreamState;
  logFilter: LineFilter;
  /** How many of the last lines to load (5k by default, up to 100k). */
  logLines: number;
  /** Set while the buffer holds search results from every log file instead of the tail. */
  logSearch: LogSearchInfo | null;
  openLogs(service: string, lines?: number): Promise<void>;
  closeLogs(): void;
  setFollow(on: boolean): void;
  setLogFilter(f: Partial<LineFilter>): void;
  setLogLines(n: number): void;
  /** Searches the current and rotated files (bounded), showing the matches. */
  searchAllLogs(query: string): Promise<void>;
  /** Appends lines (the follow stream; tests). */
  appendLogLines(lines: readonly string[]): void;
}

export const DEFAULT_LOG_LINES = 5_000;
const TIMEOUT_MS = 10_000;

const tailQuery = (lines: number): LogTailQuery => ({
  lines,
  level: null,
  grep: null,
  timeoutMs: TIMEOUT_MS,
});

/** The lines in one message of the log stream (`{"lines":[…]}`). */
export function linesOfMessage(data: string): string[] {
  try {
    const v = JSON.parse(data) as { lines?: unknown };
    if (Array.isArray(v.lines)) return v.lines.filter((l): l is string => typeof l === 'string');
  } catch {
    // not the agent's format
  }
  return [];
}

export const createLogsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], LogsSlice> =>
  (set, get) => {
    let stopFollow: (() => void) | null = null;
    let generation = 0;

    function stop(): void {
      stopFollow?.();
      stopFollow = null;
    }

    function missing(err: unknown): Availability {
      return isApiError(err) && err.unavailable
        ? { kind: 'unavailable', message: 'This agent does not serve logs.' }
        : { kind: 'error', message: get().failed(err) };
    }

    /** Follow: the stream starts with the last `lines` lines, so each (re)connection starts a fresh buffer. */
    function follow(service: string, lines: number, gen: number): void {
      stop();
      stopFollow = openStream(deps.api, {
        path: () => buildPath('logFollow', { name: service }, tailQuery(lines)),
        onMessage: (msg) => {
          if (gen !== generation || msg.event !== LOG_SSE_EVENT) return;
          get().appendLogLines(linesOfMessage(msg.data));
        },
        onState: (state, detail) => {
          if (gen !== generation) return;
          set({ followState: state });
          if (state === 'live') {
            get().logBuffer.clear();
            set({ logVersion: get().logBuffer.version, logState: { kind: 'ready', at: deps.now() } });
          }
          if (state === 'unauthorized') get().unauthorized(detail ?? 'session ended');
          if (state === 'unavailable')
            set({ logState: { kind: 'unavailable', message: 'This agent does not serve logs.' } });
        },
        setTimeout: (fn, ms) => deps.timers.setTimeout(fn, ms),
        clearTimeout: (t) => deps.timers.clearTimeout(t),
      });
    }

    return {
      logService: null,
      logBuffer: new LogBuffer(),
      logVersion: 0,
      logState: IDLE,
      following: true,
      followState: 'closed',
      logFilter: { minLevel: 0, query: '' },
      logLines: DEFAULT_LOG_LINES,
      logSearch: null,
      async openLogs(service, lines = get().logLines) {
        const gen = ++generation;
        stop();
        const buffer = new LogBuffer();
        set({
          logService: service,
          logBuffer: buffer,
          logVersion: buffer.version,
          logState: { kind: 'loading' },
          followState: 'closed',
          logSearch: null,
        });
        if (get().following) {
          follow(service, lines, gen);
          return;
        }
        try {
          const doc = await deps.api.call('logTail', { name: service }, tailQuery(lines));
          if (gen !== generation) return;
          buffer.append(doc.lines);
          set({ logVersion: buffer.version, logState: { kind: 'ready', at: deps.now() } });
        } catch (err) {
          if (gen === generation) set({ logState: missing(err) });
        }
      },
      closeLogs() {
        generation++;
        stop();
        set({ logService: null, logState: IDLE, followState: 'closed', logSearch: null });
      },
      setFollow(on) {
        set({ following: on });
        const service = get().logService;
        if (!on) {
          stop();
          set({ followState: 'closed' });
        } else if (service !== null) void get().openLogs(service);
      },
      setLogLines(n) {
        set({ logLines: n });
        const service = get().logService;
        if (service !== null) void get().openLogs(service, n);
      },
      setLogFilter(f) {
        set((s) => ({ logFilter: { ...s.logFilter, ...f } }));
      },
      async searchAllLogs(query) {
        const service = get().logService;
        if (service === null || query === '') return;
        const gen = ++generation;
        stop();
        set({ following: false, followState: 'closed', logState: { kind: 'loading' } });
        try {
          const r = await deps.api.call(
            'logSearch',
            { name: service },
            {
              pattern: query,
              regex: false,
              ignoreCase: true,
              limit: 10_000,
              timeoutMs: TIMEOUT_MS,
              level: null,
            },
          );
          if (gen !== generation) return;
          const buffer = new LogBuffer();
          buffer.append(r.matches.map((m) => m.line));
          set({
            logBuffer: buffer,
            logVersion: buffer.version,
            logState: { kind: 'ready', at: deps.now() },
            logSearch: { query, matches: r.matches.length, truncated: r.truncated, timedOut: r.timedOut },
          });
        } catch (err) {
          if (gen === generation) set({ logState: missing(err) });
        }
      },
      appendLogLines(lines) {
        if (lines.length === 0) return;
        const buf = get().logBuffer;
        buf.append(lines);
        set({ logVersion: buf.version });
      },
    };
  };
