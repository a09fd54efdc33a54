/**
 * Prometheus counters → deltas between two scrapes, exactly: a counter that went down was reset (the
 * service restarted) and counts from zero; a series that appears after the first scrape counts whole; a
 * target whose `process_start_time_seconds` changed restarted, so every series counts from zero. The state
 * is persisted in the same transaction as the deltas it produced, so a crash never loses or repeats any.
 * A scrape that fails changes nothing: the next successful one carries the whole gap. Pure.
 */

export interface CounterState {
  /** Last value per series, in whole units (tokens, requests, micro-dollars). */
  last: Record<string, number>;
  /** The target's process_start_time_seconds at the last scrape, when it exposes one. */
  startTime: number | null;
  /** Time of the last successful scrape (ms). */
  at: number;
}

export interface DeltaResult {
  deltas: Map<string, number>;
  next: CounterState;
  /** The first scrape of this target: values are the baseline, nothing is counted. */
  first: boolean;
  /** Series whose counter went backwards (or all of them, after a process restart). */
  resets: number;
}

export function counterDeltas(
  prev: CounterState | undefined,
  current: ReadonlyMap<string, number>,
  startTime: number | null,
  at: number,
): DeltaResult {
  const deltas = new Map<string, number>();
  if (prev === undefined) {
    return { deltas, next: { last: Object.fromEntries(current), startTime, at }, first: true, resets: 0 };
  }
  const restarted = startTime !== null && prev.startTime !== null && startTime !== prev.startTime;
  let resets = 0;
  for (const [series, value] of current) {
    const last = restarted ? undefined : prev.last[series];
    let delta: number;
    if (last === undefined) delta = value;
    else if (value >= last) delta = value - last;
    else {
      delta = value;
      resets++;
    }
    if (restarted) resets++;
    if (delta > 0) deltas.set(series, delta);
  }
  const last = restarted ? Object.fromEntries(current) : { ...prev.last, ...Object.fromEntries(current) };
  return { deltas, next: { last, startTime: startTime ?? prev.startTime, at }, first: false, resets };
}
