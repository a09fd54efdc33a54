/**
 * Live server-sent events over fetch (not EventSource: it cannot send the session key header). Parses
 * with the contract's SseParser, resumes with Last-Event-ID after a drop, and backs off on failures.
 */
import { SSE_CONTENT_TYPE, SseParser, type SseMessage } from '../../../agent/api/contract.js';
import { apiFailure, type Api, ApiError } from './client.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'unavailable' | 'closed';

export interface StreamOptions {
  /** Path with query (e.g. buildPath('events', {}, { afterId })). Called again on each reconnect. */
  path: () => string;
  onMessage: (msg: Extract<SseMessage, { kind: 'event' }>) => void;
  onState?: (state: StreamState, detail?: string) => void;
  /** First retry delay (ms); doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Timers (tests inject fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (t: unknown) => void;
}

/** Opens the stream and keeps it open until the returned function is called. */
export function openStream(api: Api, opts: StreamOptions): () => void {
  const setT = opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearT = opts.clearTimeout ?? ((t) => globalThis.clearTimeout(t as ReturnType<typeof setTimeout>));
  const first = opts.retryMs ?? 1_000;
  const max = opts.maxRetryMs ?? 15_000;
  let delay = first;
  let lastId: string | null = null;
  let closed = false;
  let ctl: AbortController | null = null;
  let timer: unknown = null;
  const state = (s: StreamState, detail?: string): void => opts.onState?.(s, detail);

  async function connect(): Promise<void> {
    ctl = new AbortController();
    const res = await api.request('GET', opts.path(), {
      accept: SSE_CONTENT_TYPE,
      headers: lastId === null ? {} : { 'Last-Event-ID': lastId },
      signal: ctl.signal,
    });
    if (!res.ok) throw await apiFailure(res);
    if (!(res.headers.get('content-type') ?? '').startsWith(SSE_CONTENT_TYPE) || res.body === null) {
      throw new ApiError(res.status, 'E_API', 'the agent did not answer with an event stream');
    }
    state('live');
    delay = first;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const msg of parser.push(decoder.decode(value, { stream: true }))) {
        if (msg.kind !== 'event') continue;
        if (msg.id !== null) lastId = msg.id;
        opts.onMessage(msg);
      }
    }
  }

  function loop(): void {
    if (closed) return;
    connect().then(
      () => retry(),
      (err: unknown) => {
        if (closed) return;
        if (err instanceof ApiError && err.unauthorized) {
          state('unauthorized', err.message);
          return;
        }
        if (err instanceof ApiError && err.unavailable) {
          state('unavailable', err.message);
          return;
        }
        retry(err instanceof Error ? err.message : String(err));
      },
    );
  }

  function retry(detail?: string): void {
    if (closed) return;
    state('reconnecting', detail);
    timer = setT(loop, delay);
    delay = Math.min(max, delay * 2);
  }

  state('connecting');
  loop();
  return () => {
    closed = true;
    if (timer !== null) clearT(timer);
    ctl?.abort();
    state('closed');
  };
}
