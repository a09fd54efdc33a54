/**
 * A full garbage collection every half minute. The agent's live heap is small and flat (heap snapshots
 * before and after minutes of churn differ by under 0.5 MB), but V8 otherwise keeps growing into new
 * old-generation pages between its own major collections, and its resident size crept up by several MB
 * over 20 minutes of churn; a periodic full collection keeps it at its live size (test/bench/soak.ts).
 * It costs a few milliseconds on a heap this size, so it is skipped while the heap has not grown by
 * half a megabyte since the last one (an idle agent). gc() is not exposed without --expose-gc, which the
 * agent's unit does not pass (it may run under Electron as Node), so it is enabled at run time.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const HEAP_TRIM_EVERY_MS = 30_000;
/** Growth of the used heap since the last collection that makes the next one worth it. */
const GROWTH_BYTES = 512 * 1024;

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

/** Collects every `everyMs` (unref'd: it never keeps the process alive); returns the stop function. */
export function startHeapTrim(
  everyMs: number = HEAP_TRIM_EVERY_MS,
  every: (fn: () => void, ms: number) => Timer = setInterval,
  stop: (t: Timer) => void = (t) => clearInterval(t as NodeJS.Timeout),
  used: () => number = usedHeap,
  collect: (() => void) | null = null,
): () => void {
  if (!(everyMs > 0)) return () => undefined;
  const gc = collect ?? exposeGc();
  if (gc === null) return () => undefined;
  // Only when the heap grew since the last collection: an idle agent allocates next to nothing, and a
  // full collection of an unchanged heap is CPU for no memory.
  let after = used();
  const t = every(() => {
    if (used() - after < GROWTH_BYTES) return;
    gc();
    after = used();
  }, everyMs);
  t.unref?.();
  return () => stop(t);
}
