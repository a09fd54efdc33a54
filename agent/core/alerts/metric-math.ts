/**
 * The maths of the metric alert rules, on scraped counter values. Pure.
 *
 * A counter's increase between two scrapes: the difference, or — when it went down (the process
 * restarted and counts from zero) — the new value, as Prometheus' `increase()` treats resets. A series
 * missing from the earlier scrape but present in the later one is new (prometheus_client creates a
 * labelled child on its first use) and counts from zero. Unlike `increase()`, nothing is extrapolated
 * to the window's edges: the agent sees every scrape, so the sum of the increases is exact.
 */

/** Increase of one counter from `before` to `after` (undefined before: a new series, from 0). */
export function counterDelta(before: number | undefined, after: number): number {
  if (!Number.isFinite(after)) return 0;
  if (before === undefined || !Number.isFinite(before)) return Math.max(0, after);
  return after >= before ? after - before : Math.max(0, after);
}

/** Total increase over consecutive values of one counter, resets handled. */
export function counterIncrease(values: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < values.length; i++) sum += counterDelta(values[i - 1], values[i]!);
  return sum;
}

export interface Bucket {
  /** Upper bound (`le`); +Infinity for the last. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/**
 * Prometheus' `histogram_quantile(q, …)` on classic buckets: NaN without a +Inf bucket, with fewer than
 * two buckets or no observations; counts made monotonic; linear interpolation inside the bucket that holds
 * the rank (the first bucket starts at 0 unless its bound is ≤ 0); a rank in the +Inf bucket gives the
 * highest finite bound.
 */
export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = [...input].sort((a, b) => a.le - b.le);
  if (buckets.length < 2 || buckets[buckets.length - 1]!.le !== Infinity) return NaN;
  // Merge equal bounds, then make the counts monotonic (a scrape can catch buckets mid-update).
  const merged: Bucket[] = [];
  for (const b of buckets) {
    const last = merged[merged.length - 1];
    if (last && last.le === b.le) last.count += b.count;
    else merged.push({ ...b });
  }
  for (let i = 1; i < merged.length; i++) merged[i]!.count = Math.max(merged[i]!.count, merged[i - 1]!.count);
  const observations = merged[merged.length - 1]!.count;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  let b = merged.findIndex((x) => x.count >= rank);
  if (b < 0) b = merged.length - 1;
  if (b === merged.length - 1) return merged[merged.length - 2]!.le;
  if (b === 0 && merged[0]!.le <= 0) return merged[0]!.le;
  let start = 0;
  let count = merged[b]!.count;
  if (b > 0) {
    start = merged[b - 1]!.le;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  const end = merged[b]!.le;
  return start + (end - start) * (rank / count);
}
