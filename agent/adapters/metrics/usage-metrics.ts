/**
 * Spend and budget on the agent's /metrics (prom-client's default registry, served by the monitor module),
 * for Prometheus cost-alert rules: today's spend per service and model, this month's per service, the
 * caps, the budget state, services stopped for spend, and token/request counters since the agent started.
 * Gauges are computed when scraped (collect), from the rollup tables; the counters' totals are kept here
 * and handed to prom-client when scraped, so nothing loads it before the first scrape (see lazy-metrics.ts).
 * A budget that is not set is +Inf (unlimited), never 0, so a `spend > budget` rule cannot fire on it.
 */
import type { Registry } from 'prom-client';
import { agentMetrics, type LazyMetrics, type PromClient } from './lazy-metrics.js';
import type { BudgetState } from '../../core/usage/budget.js';
import { MICRO_PER_USD, TOKEN_KINDS, type LedgerEntry } from '../../core/usage/model.js';

export interface UsageMetricsSource {
  /** Today's spend (µ$) and tokens per (service, model). */
  today(): { service: string; model: string; costMicro: number; tokens: number }[];
  /** This month's spend (µ$) per service. */
  month(): ReadonlyMap<string, number>;
  budget(): {
    dailyUsd: number | null;
    monthlyUsd: number | null;
    services: { service: string; dailyUsd: number }[];
    state: BudgetState;
    stopped: string[];
  } | null;
}

const GAUGES = [
  'vigil_spend_usd_today',
  'vigil_spend_usd_month',
  'vigil_budget_daily_usd',
  'vigil_budget_monthly_usd',
  'vigil_budget_service_daily_usd',
  'vigil_budget_state',
  'vigil_budget_stopped',
];
const COUNTERS = [
  'vigil_usage_tokens_total',
  'vigil_usage_requests_total',
  'vigil_usage_unpriced_requests_total',
];
const STATE_VALUE: Readonly<Record<BudgetState, number>> = { ok: 0, warning: 1, exceeded: 2 };

export interface UsageMetrics {
  /** Counts newly stored entries into the token and request counters. */
  count(entries: readonly LedgerEntry[]): void;
  unregister(): void;
}

/** Totals since the agent started, by label values joined with NUL. */
type Totals = Map<string, number>;

function add(totals: Totals, labels: readonly string[], n: number): void {
  const key = labels.join('\0');
  totals.set(key, (totals.get(key) ?? 0) + n);
}

export function registerUsageMetrics(
  source: UsageMetricsSource,
  metrics: LazyMetrics = agentMetrics,
): UsageMetrics {
  const tokens: Totals = new Map();
  const requests: Totals = new Map();
  const unpriced: Totals = new Map();
  metrics.add('usage', [...GAUGES, ...COUNTERS], (prom, registers) =>
    define(source, { tokens, requests, unpriced }, prom, registers),
  );
  return {
    count(entries) {
      for (const e of entries) {
        for (const kind of TOKEN_KINDS)
          if (e.tokens[kind] > 0) add(tokens, [e.service, e.model, kind], e.tokens[kind]);
        if (e.requests > 0) add(requests, [e.service, e.model], e.requests);
        if (e.costMicro === null && e.requests > 0) add(unpriced, [e.service, e.model], e.requests);
      }
    },
    unregister() {
      metrics.remove('usage');
    },
  };
}

function define(
  source: UsageMetricsSource,
  totals: Record<'tokens' | 'requests' | 'unpriced', Totals>,
  { Counter, Gauge }: PromClient,
  registers: Registry[],
): void {
  const usd = (micro: number) => micro / MICRO_PER_USD;
  new Gauge({
    name: 'vigil_spend_usd_today',
    help: 'LLM spend today (local budget day) in USD, priced usage only',
    labelNames: ['service', 'model'],
    registers,
    collect() {
      this.reset();
      for (const r of source.today()) this.set({ service: r.service, model: r.model }, usd(r.costMicro));
    },
  });
  new Gauge({
    name: 'vigil_spend_usd_month',
    help: 'LLM spend this month in USD',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const [service, micro] of source.month()) this.set({ service }, usd(micro));
    },
  });
  new Gauge({
    name: 'vigil_budget_daily_usd',
    help: 'The global daily budget in USD (+Inf when there is none)',
    registers,
    collect() {
      this.set(source.budget()?.dailyUsd ?? Infinity);
    },
  });
  new Gauge({
    name: 'vigil_budget_monthly_usd',
    help: 'The global monthly budget in USD (+Inf when there is none)',
    registers,
    collect() {
      this.set(source.budget()?.monthlyUsd ?? Infinity);
    },
  });
  new Gauge({
    name: 'vigil_budget_service_daily_usd',
    help: 'Daily cap of a service in USD',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of source.budget()?.services ?? []) this.set({ service: s.service }, s.dailyUsd);
    },
  });
  new Gauge({
    name: 'vigil_budget_state',
    help: 'Budget state: 0 ok, 1 warning (a threshold below 100 % reached), 2 exceeded',
    registers,
    collect() {
      this.set(STATE_VALUE[source.budget()?.state ?? 'ok']);
    },
  });
  new Gauge({
    name: 'vigil_budget_stopped',
    help: '1 for a service stopped by Vigil because of spend',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of source.budget()?.stopped ?? []) this.set({ service: s }, 1);
    },
  });
  const counter = (name: string, help: string, labelNames: string[], from: Totals) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [key, n] of from)
          this.inc(Object.fromEntries(key.split('\0').map((v, i) => [labelNames[i]!, v])), n);
      },
    });
  counter(
    'vigil_usage_tokens_total',
    'Tokens ingested since the agent started, by kind',
    ['service', 'model', 'kind'],
    totals.tokens,
  );
  counter(
    'vigil_usage_requests_total',
    'LLM requests ingested since the agent started',
    ['service', 'model'],
    totals.requests,
  );
  counter(
    'vigil_usage_unpriced_requests_total',
    'Requests of models without a known price',
    ['service', 'model'],
    totals.unpriced,
  );
}
