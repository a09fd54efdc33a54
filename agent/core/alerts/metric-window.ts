/**
 * What the metric alert rules need from a service's scrapes: the scrapes of the last window (only the
 * series the rules read), and a day of per-minute token and request increases for the daily average. Pure:
 * time comes with each scrape; the state is data (`snapshot` / `restore`).
 */
import type { Sample } from '../usage/prom-text.js';
import { counterDelta, type Bucket } from './metric-math.js';
import type { MetricNames } from './metric-rules.js';

export interface Scrape {
  at: number;
  /** Series key (`name{a="x",…}`, labels sorted) → value. */
  values: Map<string, number>;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export function seriesKey(name: string, labels: Record<string, string>): string {
  const ls = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${ls.join(',')}}`;
}

function nameOf(key: string): string {
  return key.slice(0, key.indexOf('{'));
}

function labelOf(key: string, label: string): string | undefined {
  const m = new RegExp(`[{,]${label}=("(?:[^"\\\\]|\\\\.)*")`).exec(key);
  return m ? (JSON.parse(m[1]!) as string) : undefined;
}

/** Increases from the earlier scrape to the later one, per series of the later one. */
function deltas(before: Scrape, after: Scrape): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after.values) out.set(k, counterDelta(before.values.get(k), v));
  return out;
}

export interface DailyMinute {
  minute: number;
  tokens: number;
  requests: number;
}

export class MetricWindow {
  private scrapes: Scrape[] = [];
  private daily: DailyMinute[] = [];

  constructor(
    public names: MetricNames,
    /** The longest window a rule reads (ms): older scrapes are dropped (one before it is kept as the base). */
    private keepMs: number,
    restoredDaily: readonly DailyMinute[] = [],
  ) {
    this.daily = restoredDaily.map((d) => ({ ...d }));
  }

  configure(names: MetricNames, keepMs: number): void {
    if (JSON.stringify(names) !== JSON.stringify(this.names)) this.scrapes = [];
    this.names = names;
    this.keepMs = keepMs;
  }

  /** Keeps the series the rules read; adds the scrape's token/request increases to the day's minutes. */
  add(at: number, samples: readonly Sample[]): void {
    const n = this.names;
    const keep = new Set([
      n.requests,
      `${n.requestDuration}_bucket`,
      n.tokens,
      n.costPerHour,
      n.circuitBreaker,
    ]);
    const values = new Map<string, number>();
    for (const s of samples) if (keep.has(s.name)) values.set(seriesKey(s.name, s.labels), s.value);
    const scrape: Scrape = { at, values };
    const prev = this.scrapes[this.scrapes.length - 1];
    if (prev && at <= prev.at) return;
    if (prev) {
      let tokens = 0;
      let requests = 0;
      for (const [k, d] of deltas(prev, scrape)) {
        const name = nameOf(k);
        if (name === n.tokens) tokens += d;
        else if (name === n.requests) requests += d;
      }
      const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
      const last = this.daily[this.daily.length - 1];
      if (last && last.minute === minute) {
        last.tokens += tokens;
        last.requests += requests;
      } else if (tokens > 0 || requests > 0) {
        this.daily.push({ minute, tokens, requests });
      }
    }
    this.scrapes.push(scrape);
    // One scrape at or before the window's start stays, as the base of the first increase in it.
    while (this.scrapes.length > 2 && this.scrapes[1]!.at <= at - this.keepMs) this.scrapes.shift();
    while (this.daily.length > 0 && this.daily[0]!.minute <= at - DAY_MS) this.daily.shift();
  }

  latest(): Scrape | null {
    return this.scrapes[this.scrapes.length - 1] ?? null;
  }

  /**
   * Per-series increases over the window ending now: the sum of the increases between consecutive scrapes
   * whose later scrape is inside it. Null when the window holds no such pair (not enough data).
   */
  increases(windowMs: number, now: number, name: string): Map<string, number> | null {
    const out = new Map<string, number>();
    let pairs = 0;
    for (let i = 1; i < this.scrapes.length; i++) {
      const after = this.scrapes[i]!;
      if (after.at <= now - windowMs || after.at > now) continue;
      pairs++;
      for (const [k, d] of deltas(this.scrapes[i - 1]!, after))
        if (nameOf(k) === name) out.set(k, (out.get(k) ?? 0) + d);
    }
    return pairs === 0 ? null : out;
  }

  /** Sum of a counter's increases over the window (all series), split by one label's value if asked. */
  counterSum(
    windowMs: number,
    now: number,
    name: string,
    where?: { label: string; value: string },
  ): number | null {
    const inc = this.increases(windowMs, now, name);
    if (inc === null) return null;
    let sum = 0;
    for (const [k, d] of inc) if (!where || labelOf(k, where.label) === where.value) sum += d;
    return sum;
  }

  /** A histogram's bucket increases over the window, summed by `le` (what `sum by (le) (increase(x_bucket[w]))` gives). */
  buckets(windowMs: number, now: number): Bucket[] | null {
    const inc = this.increases(windowMs, now, `${this.names.requestDuration}_bucket`);
    if (inc === null) return null;
    const byLe = new Map<number, number>();
    for (const [k, d] of inc) {
      const le = labelOf(k, 'le');
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (Number.isNaN(bound)) continue;
      byLe.set(bound, (byLe.get(bound) ?? 0) + d);
    }
    return [...byLe].map(([le, count]) => ({ le, count }));
  }

  /** The latest scrape's series of a gauge: [labels part, value]. */
  gauge(name: string): { series: string; value: number }[] | null {
    const last = this.latest();
    if (!last) return null;
    const out: { series: string; value: number }[] = [];
    for (const [k, v] of last.values)
      if (nameOf(k) === name) out.push({ series: k.slice(name.length), value: v });
    return out.length === 0 ? null : out;
  }

  /** Tokens and requests over the last day (what the agent saw of it). */
  day(now: number): { tokens: number; requests: number } {
    let tokens = 0;
    let requests = 0;
    for (const d of this.daily) {
      if (d.minute <= now - DAY_MS) continue;
      tokens += d.tokens;
      requests += d.requests;
    }
    return { tokens, requests };
  }

  dailySnapshot(): DailyMinute[] {
    return this.daily.map((d) => ({ ...d }));
  }
}
