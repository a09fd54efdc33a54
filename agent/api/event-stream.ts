/**
 * GET /api/events with `Accept: text/event-stream`: replays missed events from history (Last-Event-ID
 * header or afterId query, or `since`), then streams live ones, without duplicates; heartbeat comments keep
 * proxies and clients sure the stream is alive.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VigilEvent } from '../core/events.js';
import type { EventQuery } from '../ports/store.js';
import type { StreamSources } from './server.js';
import { MAX_EVENT_LIMIT, SSE_HEARTBEAT, SSE_RESPONSE_HEADERS, formatSseEvent } from './contract.js';

/** A client that stops reading is dropped once this much is queued (it reconnects with Last-Event-ID). */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** The open streams, so that closing the server ends them. */
export class StreamRegistry {
  private readonly open = new Set<() => void>();

  add(end: () => void): () => void {
    this.open.add(end);
    return () => this.open.delete(end);
  }

  get size(): number {
    return this.open.size;
  }

  endAll(): void {
    for (const end of [...this.open]) end();
    this.open.clear();
  }
}

function lastEventId(req: IncomingMessage): number | undefined {
  const raw = req.headers['last-event-id'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Does a live event pass a query's filters (as the store applies them to history)? */
export function eventMatches(e: VigilEvent, q: EventQuery): boolean {
  if (q.afterId !== undefined && e.id <= q.afterId) return false;
  if (q.since !== undefined && e.at < q.since) return false;
  if (q.service !== undefined && e.service !== q.service) return false;
  if (q.types !== undefined && q.types.length > 0 && !q.types.includes(e.type)) return false;
  return true;
}

export interface EventStreamOptions {
  handlers: Pick<StreamSources, 'eventHistory' | 'subscribe'>;
  query: EventQuery;
  heartbeatMs: number;
  registry: StreamRegistry;
}

/**
 * Opens the stream. Throws (before any byte is written) when the history query fails, so the caller can
 * still answer with an error body.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, opts: EventStreamOptions): void {
  const { handlers, query, heartbeatMs, registry } = opts;
  const resumeAfter = lastEventId(req) ?? query.afterId;
  // Live events obey the same filters as history, except the limit and the resume point (tracked below).
  const filter: EventQuery = { ...query, afterId: undefined, limit: undefined };
  let lastSent = resumeAfter ?? 0;
  let live = false;
  let ended = false;
  const pending: VigilEvent[] = [];

  const send = (e: VigilEvent): void => {
    if (ended || e.id <= lastSent || !eventMatches(e, filter)) return;
    lastSent = e.id;
    res.write(formatSseEvent(e));
    if (res.writableLength > MAX_QUEUED_BYTES) end();
  };

  // Subscribe before reading history so nothing recorded in between is lost; buffer until history is out.
  const unsubscribe = handlers.subscribe((e) => {
    if (live) send(e);
    else pending.push(e);
  });
  let history: VigilEvent[] = [];
  try {
    if (resumeAfter !== undefined || query.since !== undefined) {
      history = handlers.eventHistory({
        ...query,
        afterId: resumeAfter,
        limit: query.limit ?? MAX_EVENT_LIMIT,
      });
    }
  } catch (err) {
    unsubscribe();
    throw err;
  }

  let unregister: () => void = () => undefined;
  function cleanup(): void {
    if (ended) return;
    ended = true;
    unsubscribe();
    unregister();
    clearInterval(heartbeat);
  }
  function end(): void {
    cleanup();
    if (!res.writableEnded) res.end();
  }
  const heartbeat = setInterval(() => {
    if (!ended) res.write(SSE_HEARTBEAT);
  }, heartbeatMs);
  unregister = registry.add(end);
  res.on('close', cleanup);

  res.writeHead(200, SSE_RESPONSE_HEADERS);
  res.flushHeaders();
  for (const e of history) send(e);
  live = true;
  for (const e of pending.splice(0)) send(e);
}
