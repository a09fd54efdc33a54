/**
 * prom-client on the first scrape. Every feature of the agent adds its metric definitions here; they are
 * created on prom-client's registry when /metrics is first asked for (or at once when it is loaded
 * already). An agent that nobody scrapes never loads the library (about 12 MB of resident memory): all
 * Vigil metrics are computed when scraped (collect callbacks), so nothing is lost by defining them late.
 */
import type * as Prom from 'prom-client';

export type PromClient = typeof Prom;
/** Creates a feature's metrics on `registers` (prom-client's own constructors, from `prom`). */
export type DefineMetrics = (prom: PromClient, registers: Prom.Registry[]) => void;

/** Prometheus text exposition format 0.0.4 (what prom-client's registry serves). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Feature {
  names: readonly string[];
  define: DefineMetrics;
}

export class LazyMetrics {
  private readonly features = new Map<string, Feature>();
  private loaded: { prom: PromClient; registry: Prom.Registry } | null = null;
  private loading: Promise<{ prom: PromClient; registry: Prom.Registry }> | null = null;
  readonly contentType = METRICS_CONTENT_TYPE;

  /** `registry`: prom-client's default one when not given (tests pass their own). */
  constructor(private readonly registry?: Prom.Registry) {}

  /** Adds (or replaces) a feature's metrics, named `names`. */
  add(key: string, names: readonly string[], define: DefineMetrics): void {
    this.remove(key);
    const feature = { names, define };
    this.features.set(key, feature);
    if (this.loaded) this.create(feature, this.loaded.prom, this.loaded.registry);
  }

  remove(key: string): void {
    const feature = this.features.get(key);
    if (!feature) return;
    this.features.delete(key);
    if (this.loaded) for (const n of feature.names) this.loaded.registry.removeSingleMetric(n);
  }

  /** The exposition text of every feature's metrics (loads prom-client on the first call). */
  async text(): Promise<string> {
    const { registry } = await this.load();
    return registry.metrics();
  }

  private load(): Promise<{ prom: PromClient; registry: Prom.Registry }> {
    this.loading ??= import('prom-client').then((prom) => {
      const registry = this.registry ?? prom.register;
      for (const f of this.features.values()) this.create(f, prom, registry);
      this.loaded = { prom, registry };
      return this.loaded;
    });
    return this.loading;
  }

  private create(f: Feature, prom: PromClient, registry: Prom.Registry): void {
    for (const n of f.names) registry.removeSingleMetric(n);
    f.define(prom, [registry]);
  }
}

/** The agent's metrics, served at /metrics. */
export const agentMetrics = new LazyMetrics();
