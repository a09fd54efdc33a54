/**
 * The metric alert rules on ports: every `metrics.intervalSec` the agent scrapes each running service's
 * `metrics.url` (in the background: a scrape is never awaited by the tick, one at a time per service),
 * keeps what the rules read, and on every tick turns the readings into the conditions the alert engine
 * takes (after their `forSec`). The memory rule reads the resource samples instead of a scrape.
 */
import type { MetricsScrape, ServiceState } from '../core/status.js';
import { parsePrometheusText, type Sample } from '../core/usage/prom-text.js';
import { ConditionTracker, readRules, type MetricCondition } from '../core/alerts/metric-eval.js';
import { MetricWindow, type DailyMinute } from '../core/alerts/metric-window.js';
import { DEFAULT_METRICS_INTERVAL_SEC, SCRAPED_RULES, metricNamesOf } from '../core/alerts/metric-rules.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { ServiceRecord } from '../ports/store.js';
import type { MetricsFetcher } from '../ports/usage-sources.js';

export interface MetricAlertsDeps {
  fetcher: MetricsFetcher;
  onError?: (err: unknown, what: string) => void;
  /** After every change of a service's last scrape (what `part` returns). */
  onScrape?: () => void;
}

export interface MetricTickContext {
  state(service: string): ServiceState | undefined;
  /** The service's memory now (bytes), from the resource samples. */
  memoryBytes(service: string): number | null;
  /** budget.hourlyUsd, when set. */
  hourlyUsd: number | null;
}

export interface ScrapeState {
  ok: boolean;
  at: number;
  error: string | null;
}

export function scrapeIntervalMs(spec: ServiceSpec): number {
  return (spec.metrics?.intervalSec ?? DEFAULT_METRICS_INTERVAL_SEC) * 1000;
}

/** The longest window a service's rules read (ms). */
function keepMs(spec: ServiceSpec): number {
  const r = spec.metricAlerts;
  if (!r) return 0;
  return Math.max(
    0,
    ...[r.errorRate, r.latencyP95, r.tokensPerRequest].map((x) => (x ? x.windowSec * 1000 : 0)),
  );
}

export class MetricAlerts {
  private readonly windows = new Map<string, MetricWindow>();
  private readonly due = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly scrapes = new Map<string, ScrapeState>();
  private readonly intervals = new Map<string, number>();
  readonly tracker: ConditionTracker;

  constructor(
    private readonly deps: MetricAlertsDeps,
    private readonly restoredDaily: Record<string, DailyMinute[]> = {},
  ) {
    // A condition is held through missing data for three scrape intervals (at least 10 s: the first scrapes
    // after an agent restart need a moment), then dropped.
    this.tracker = new ConditionTracker((s) =>
      Math.max(10_000, 3 * (this.intervals.get(s) ?? DEFAULT_METRICS_INTERVAL_SEC * 1000)),
    );
  }

  /** Starts the due scrapes and returns the conditions that hold now (past their forSec). */
  tick(services: readonly ServiceRecord[], ctx: MetricTickContext, now: number): MetricCondition[] {
    const out: MetricCondition[] = [];
    const names = new Set<string>();
    for (const { name, spec } of services) {
      const rules = spec.metricAlerts;
      if (!rules) continue;
      names.add(name);
      this.intervals.set(name, scrapeIntervalMs(spec));
      const scraped = spec.metrics !== undefined && SCRAPED_RULES.some((r) => rules[r] !== false);
      if (scraped) this.maybeScrape(name, spec, ctx.state(name), now);
      else this.windows.delete(name);
      const readings = readRules(
        {
          service: name,
          rules,
          names: scraped ? metricNamesOf(spec.metrics) : null,
          window: scraped ? this.fresh(name, now) : null,
          memoryBytes: ctx.memoryBytes(name),
          memoryLimitBytes: spec.limits.memoryBytes ?? null,
          hourlyUsd: ctx.hourlyUsd,
        },
        now,
      );
      out.push(...this.tracker.step(name, readings, now));
    }
    for (const k of [...this.windows.keys()]) if (!names.has(k)) this.windows.delete(k);
    this.tracker.retain(names);
    return out;
  }

  /** The service's scrapes, unless the last good one is older than three intervals (stale: no data). */
  private fresh(name: string, now: number): MetricWindow | null {
    const w = this.windows.get(name);
    const last = w?.latest();
    if (!w || !last) return null;
    return now - last.at <= 3 * (this.intervals.get(name) ?? DEFAULT_METRICS_INTERVAL_SEC * 1000) ? w : null;
  }

  private maybeScrape(name: string, spec: ServiceSpec, state: ServiceState | undefined, now: number): void {
    if (this.inflight.has(name) || (this.due.get(name) ?? -Infinity) > now) return;
    // A service that is not running has nothing to scrape (its down alert covers it).
    if (state !== 'running') return;
    const every = scrapeIntervalMs(spec);
    this.due.set(name, now + every);
    const url = spec.metrics!.url;
    const window = this.window(name, spec);
    const p = this.deps.fetcher
      .fetch(url, Math.min(5000, Math.max(1000, every)))
      .then(
        (text) => {
          // The scrape counts at the time it was asked for: the tick's clock, the same for every reader.
          window.add(now, parsePrometheusText(text).samples);
          this.scrapes.set(name, { ok: true, at: now, error: null });
          this.deps.onScrape?.();
        },
        (err: unknown) => {
          this.scrapes.set(name, { ok: false, at: now, error: `${url}: ${(err as Error).message}` });
          this.deps.onScrape?.();
        },
      )
      .catch((err: unknown) => this.deps.onError?.(err, `metrics of ${name}`))
      .finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
  }

  /**
   * A scrape of the service's metrics.url made by someone else (the usage feature's): read like an own
   * one, and the own scrape waits a whole interval from it, so the endpoint is not fetched twice.
   */
  feed(service: ServiceRecord, url: string, samples: readonly Sample[], at: number): void {
    const spec = service.spec;
    if (!spec.metricAlerts || spec.metrics?.url !== url) return;
    this.window(service.name, spec).add(at, samples);
    this.scrapes.set(service.name, { ok: true, at, error: null });
    this.deps.onScrape?.();
    this.due.set(
      service.name,
      Math.max(this.due.get(service.name) ?? -Infinity, at + scrapeIntervalMs(spec)),
    );
  }

  private window(name: string, spec: ServiceSpec): MetricWindow {
    const mnames = metricNamesOf(spec.metrics);
    const keep = keepMs(spec);
    let w = this.windows.get(name);
    if (!w) this.windows.set(name, (w = new MetricWindow(mnames, keep, this.restoredDaily[name] ?? [])));
    else w.configure(mnames, keep);
    return w;
  }

  scrapeState(service: string): ScrapeState | null {
    return this.scrapes.get(service) ?? null;
  }

  /** Each scraped service's last scrape, as the status document shows it. */
  part(): Map<string, MetricsScrape> {
    return new Map(
      [...this.scrapes].map(([name, x]) => [
        name,
        { ok: x.ok, at: new Date(x.at).toISOString(), error: x.error },
      ]),
    );
  }

  /** The per-minute token/request history of each service (persisted so the daily average survives a restart). */
  dailySnapshot(): Record<string, DailyMinute[]> {
    const out: Record<string, DailyMinute[]> = {};
    for (const [k, w] of this.windows) out[k] = w.dailySnapshot();
    return out;
  }

  /** Resolves when the scrapes in flight have ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.inflight.values()]);
  }
}
