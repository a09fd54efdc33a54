/**
 * The health/resources/alerts feature's part of the agent's composition: its adapters are built here and
 * handed to the module, which knows them only by their ports. Tests replace any of them.
 */
import os from 'node:os';
import type { AgentModule, AgentRuntime } from './module.js';
import { MonitorModule, type MonitorAdapters, type MonitorOptions } from './monitor-module.js';
import { KindProber } from '../adapters/probe/kind-prober.js';
import { ProcfsSampler } from '../adapters/procfs/procfs-sampler.js';
import { HttpMetricsFetcher } from '../adapters/usage/http-fetch.js';
import { DesktopNotifier, desktopAvailable } from '../adapters/notify/desktop.js';
import { WebhookNotifier } from '../adapters/notify/webhook.js';
import { CredentialStoreSecrets, secretLookup } from '../adapters/fs/alert-secrets.js';
import { registerVigilMetrics } from '../adapters/metrics/prometheus.js';
import type { HealthProber } from '../ports/health-prober.js';
import type { ResourceSampler } from '../ports/resource-sampler.js';
import type { MetricsFetcher } from '../ports/usage-sources.js';
import type { Notifier } from '../ports/notifier.js';
import type { SecretSource } from '../ports/secrets.js';

export interface MonitorFactoryOptions extends MonitorOptions {
  prober?: HealthProber;
  /** CPU/memory readings (default /proc; macOS: the batched `ps` sampler, from modules.ts). */
  sampler?: ResourceSampler;
  /** Where webhook secrets are read (default the credential store). */
  secrets?: SecretSource;
  fetcher?: MetricsFetcher;
  /** Fixed channels (tests): they replace the configured ones. */
  notifiers?: Notifier[];
}

export function createMonitorModule(services: AgentRuntime, opts: MonitorFactoryOptions = {}): AgentModule[] {
  const { ledgers } = services.store;
  const { prober, sampler, secrets, fetcher, notifiers, ...settings } = opts;
  const source = secrets ?? new CredentialStoreSecrets(services.credentials.store);
  const host = os.hostname();
  const adapters: MonitorAdapters = {
    prober: prober ?? new KindProber(services.ctx.runner, () => services.clock.now()),
    sampler: sampler ?? new ProcfsSampler(),
    fetcher: fetcher ?? new HttpMetricsFetcher(),
    channels: (config, stored) => {
      if (notifiers) return notifiers;
      const out: Notifier[] = [];
      if (config.desktop === true || (config.desktop === 'auto' && desktopAvailable(services.ctx.env)))
        out.push(new DesktopNotifier(services.ctx.runner));
      const lookup = secretLookup(
        source,
        () => stored().config.credentials,
        () => stored().manifestFile,
        () => stored().inline,
      );
      for (const w of config.webhooks) out.push(new WebhookNotifier(w, lookup, host));
      return out;
    },
    metrics: (readings) => registerVigilMetrics(readings),
  };
  return [
    new MonitorModule(
      services,
      { history: ledgers.resourceHistory(), log: ledgers.alertLog() },
      adapters,
      settings,
    ),
  ];
}
