/**
 * The usage feature's part of the agent's composition: its adapters are built here and handed to the
 * module (usage-module.ts), which knows them only by their ports; tests replace the reader, the fetcher
 * and the price catalog.
 */
import type { AgentModule, AgentRuntime } from './module.js';
import { UsageModule, type NotifyingModule, type UsageModuleOptions } from './usage-module.js';
import { OtlpModule } from './otlp-module.js';
import { HttpMetricsFetcher } from '../adapters/usage/http-fetch.js';
import { LazyChunkParser, LazyUsageLogReader } from '../adapters/usage/lazy-sources.js';
import { GenaiPriceCatalog } from '../adapters/pricing/genai-catalog.js';
import { registerUsageMetrics } from '../adapters/metrics/usage-metrics.js';
import { machineZoneName } from '../adapters/host/zone-name.js';
import type { MetricsFetcher, UsageLogReader } from '../ports/usage-sources.js';
import type { PriceCatalog } from '../ports/price-catalog.js';

export interface UsageFactoryOptions extends UsageModuleOptions {
  reader?: UsageLogReader;
  fetcher?: MetricsFetcher;
  catalog?: PriceCatalog;
}

export function createUsageModule(
  services: AgentRuntime,
  others: readonly AgentModule[] = [],
  opts: UsageFactoryOptions = {},
): AgentModule[] {
  const notifying =
    others.find(
      (m): m is NotifyingModule => typeof (m as Partial<NotifyingModule>).alerting?.notify === 'function',
    ) ?? null;
  const { reader, fetcher, catalog, ...settings } = opts;
  const usage = new UsageModule(
    services,
    services.store,
    notifying,
    {
      // Reader and parser load on the first usage log read (lazy-sources.ts): an idle agent reads none.
      reader: reader ?? new LazyUsageLogReader(),
      parser: (quote) => new LazyChunkParser(quote),
      fetcher: fetcher ?? new HttpMetricsFetcher(),
      catalog: catalog ?? new GenaiPriceCatalog(),
      metrics: (source) => registerUsageMetrics(source),
      // The zone's name without Intl's locale data (~5.5 MB RSS: adapters/host/zone-name.ts).
      systemZone: machineZoneName,
    },
    settings,
  );
  // OTLP usage in: idle (nothing of it loaded) unless the manifest has `otlp:`.
  return [usage, new OtlpModule(services, usage, usage.catalog)];
}
