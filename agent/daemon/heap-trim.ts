/**
 * Full garbage collections at the agent's own pace. The agent's live heap is small and flat (heap snapshots
 * before and after minutes of churn differ by under 0.5 MB), but V8 otherwise keeps growing into new
 * old-generation pages between its own major collections:
 *  - every half minute: its resident size crept up by several MB over 20 minutes of churn; a periodic
 *    full collection keeps it at its live size (test/bench/soak.ts). It is skipped while the heap has not
 *    grown by GROWTH_BYTES since the last one: an idle agent allocates next to nothing, and a collection of
 *    an unchanged heap is CPU for no memory;
 *  - after a burst of work: storing usage entries (thousands a second from a busy log) promotes short-lived
 *    lines and entries out of the small new space, and the old space grew 10 → 18 MB over a 200,000-line
 *    ingestion with 12–14 MB live; a collection once TRIM_AFTER_ENTRIES entries have been stored (at most
 *    every TRIM_AT_MOST_EVERY_MS) held it at ~13 MB, 4 MB less RSS (test/bench/RESULTS-usage.md §4).
 * A collection costs a few milliseconds on a heap this size. gc() is not exposed without --expose-gc, which
 * the agent's unit does not pass (it may run under Electron as Node), so it is enabled at run time.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const HEAP_TRIM_EVERY_MS = 30_000;
/** Entries stored since the last collection after which the agent collects (once its current work yields). */
export const TRIM_AFTER_ENTRIES = 2_000;
/**
 * Collections after work are at least this far apart (a backlog read flat out stores ~30,000–70,000
 * entries/s). 1 s let a log's first backlog pile ~4 MB of promoted garbage into the old space before the next
 * one; 250 ms: 1.7 MB less peak RSS over a 200,000-line ingestion, for 70 instead of 39 full collections
 * (0.74 s instead of 0.54 s of GC over the 45 s run; test/bench/RESULTS-usage.md §5).
 */
export const TRIM_AT_MOST_EVERY_MS = 250;
/** Growth of the used heap since the last collection that makes the next periodic one worth it. */
export const GROWTH_BYTES = 512 * 1024;

const usedHeap = (): number => getHeapStatistics().used_heap_size;

/** V8's full collection as a function, or null when this runtime will not expose it. */
export function exposeGc(): (() => void) | null {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  return typeof gc === 'function' ? (gc as () => void) : null;
}

interface Timer {
  unref?(): unknown;
}

export interface HeapTrim {
  /** `entries` (usage entries, or other units of work) were stored: collect after enough of them. */
  worked(entries: number): void;
  stop(): void;
}

export interface HeapTrimDeps {
  every?: (fn: () => void, ms: number) => Timer;
  stop?: (t: Timer) => void;
  /** A one-shot timer (setTimeout). */
  later?: (fn: () => void, ms: number) => Timer;
  now?: () => number;
  /** The used heap in bytes (V8's heap statistics). */
  used?: () => number;
  gc?: (() => void) | null;
}

/**
 * Collects every `everyMs` (0: never on a schedule) and after work; timers are unref'd (they never keep the
 * process alive). Without a gc() from the runtime it does nothing.
 */
export function startHeapTrim(everyMs: number = HEAP_TRIM_EVERY_MS, deps: HeapTrimDeps = {}): HeapTrim {
  const every = deps.every ?? setInterval;
  const clear = deps.stop ?? ((t: Timer) => clearInterval(t as NodeJS.Timeout));
  const later = deps.later ?? setTimeout;
  const now = deps.now ?? Date.now;
  const used = deps.used ?? usedHeap;
  const gc = deps.gc === undefined ? exposeGc() : deps.gc;
  if (gc === null) return { worked: () => undefined, stop: () => undefined };
  let sinceGc = 0;
  let lastGc = -Infinity;
  let pending: Timer | null = null;
  let stopped = false;
  let usedAfter = used();
  const collect = () => {
    pending = null;
    if (stopped) return;
    sinceGc = 0;
    lastGc = now();
    gc();
    usedAfter = used();
  };
  const periodic =
    everyMs > 0
      ? every(() => {
          if (used() - usedAfter >= GROWTH_BYTES) collect();
        }, everyMs)
      : null;
  periodic?.unref?.();
  return {
    worked(entries) {
      sinceGc += entries;
      if (stopped || pending !== null || sinceGc < TRIM_AFTER_ENTRIES) return;
      pending = later(collect, Math.max(0, lastGc + TRIM_AT_MOST_EVERY_MS - now()));
      pending.unref?.();
    },
    stop() {
      stopped = true;
      if (periodic) clear(periodic);
      if (pending) clear(pending);
    },
  };
}
