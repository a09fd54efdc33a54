/**
 * The event history and the live stream. Every live event lands here first; the status is reloaded
 * (coalesced) when a service event arrives, and the feature slices get the events that concern them.
 */
import type { StateCreator } from 'zustand/vanilla';
import { SSE_EVENT_NAME, buildPath } from '../../../agent/api/contract.js';
import { openStream, type StreamState } from '../api/stream.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { IDLE, type Availability, type VigilEvent } from './types.js';

export interface EventsSlice {
  /** Recent events, oldest first, unique by id. */
  events: readonly VigilEvent[];
  eventsState: Availability;
  live: StreamState;
  loadEvents(): Promise<void>;
  /** Adds events (history or live); keeps order, drops duplicates. */
  ingest(events: readonly VigilEvent[]): void;
  /** Opens the live stream and a slow status poll (for CPU/memory); returns the stop function. */
  startLive(opts?: { pollMs?: number; retryMs?: number }): () => void;
}

export const MAX_EVENTS = 2_000;
/** A performance mark set when a live event arrives (detail: its id). */
export const ARRIVAL_MARK = 'vigil:event-arrived';
const HISTORY_LIMIT = 500;
const DEFAULT_POLL_MS = 5_000;

export function mergeEvents(
  prev: readonly VigilEvent[],
  incoming: readonly VigilEvent[],
  max = MAX_EVENTS,
): readonly VigilEvent[] {
  if (incoming.length === 0) return prev;
  const last = prev[prev.length - 1];
  // The common case: live events strictly after what we have.
  if (last === undefined || incoming.every((e, i) => e.id > (i === 0 ? last.id : incoming[i - 1]!.id))) {
    const out = prev.concat(incoming);
    return out.length > max ? out.slice(out.length - max) : out;
  }
  const byId = new Map<number, VigilEvent>();
  for (const e of prev) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  const out = [...byId.values()].sort((a, b) => a.id - b.id);
  return out.length > max ? out.slice(out.length - max) : out;
}

export const createEventsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], EventsSlice> =>
  (set, get) => ({
    events: [],
    eventsState: IDLE,
    live: 'closed',
    async loadEvents() {
      if (get().eventsState.kind === 'idle') set({ eventsState: { kind: 'loading' } });
      try {
        const { events } = await deps.api.call('events', {}, { limit: HISTORY_LIMIT });
        get().ingest(events);
        set({ eventsState: { kind: 'ready', at: deps.now() } });
      } catch (err) {
        set({ eventsState: { kind: 'error', message: get().failed(err) } });
      }
    },
    ingest(incoming) {
      const merged = mergeEvents(get().events, incoming);
      if (merged === get().events) return;
      set({ events: merged });
      const s = get();
      let statusChanged = false;
      for (const e of incoming) {
        if (e.service !== null || e.type.startsWith('agent-')) statusChanged = true;
        s.featureEvent(e);
      }
      if (statusChanged) s.refreshStatusSoon();
    },
    startLive(opts = {}) {
      const stopStream = openStream(deps.api, {
        // Resume after the newest event we hold, so nothing between history and live is lost.
        path: () => {
          const last = get().events[get().events.length - 1];
          return buildPath('events', {}, last === undefined ? {} : { afterId: last.id });
        },
        onMessage: (msg) => {
          if (msg.event !== SSE_EVENT_NAME) return;
          try {
            const e = JSON.parse(msg.data) as VigilEvent;
            // Arrival marks for measuring live latency (test/bench/ui.ts); at most 64 are kept.
            if (performance.getEntriesByName(ARRIVAL_MARK).length >= 64) performance.clearMarks(ARRIVAL_MARK);
            performance.mark(ARRIVAL_MARK, { detail: e.id });
            get().ingest([e]);
          } catch {
            // a malformed message is skipped; the next status load corrects the picture
          }
        },
        onState: (state, detail) => {
          set({ live: state });
          if (state === 'unauthorized') get().unauthorized(detail ?? 'session ended');
          // After a reconnect, catch up on what the stream may not replay (status is not an event).
          if (state === 'live') void get().loadStatus();
        },
        retryMs: opts.retryMs ?? 1_000,
        setTimeout: (fn, ms) => deps.timers.setTimeout(fn, ms),
        clearTimeout: (t) => deps.timers.clearTimeout(t),
      });
      let timer: unknown = null;
      let stopped = false;
      const poll = (): void => {
        if (stopped) return;
        timer = deps.timers.setTimeout(() => {
          void get().loadStatus().finally(poll);
        }, opts.pollMs ?? DEFAULT_POLL_MS);
      };
      poll();
      return () => {
        stopped = true;
        if (timer !== null) deps.timers.clearTimeout(timer);
        stopStream();
      };
    },
  });
