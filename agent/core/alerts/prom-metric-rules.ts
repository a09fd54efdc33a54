/**
 * The metric alert rules (the guide's table) as Prometheus alerting rules, with each service's own
 * thresholds and metric names, for `vigil export alerts`. The service's own metrics are selected by a
 * `service="<name>"` label (give it in the scrape config); memory comes from the agent's
 * `vigil_service_memory_bytes`. Pure.
 */
import type { PromRule, PromRuleGroup } from './prom-rules.js';
import {
  DEFAULT_METRIC_NAMES,
  METRIC_RULE_DEFAULTS,
  type MetricNames,
  type MetricRules,
} from './metric-rules.js';

export interface MetricRuleTarget {
  /** Null: no manifest; rules over every scraped target, grouped by job and instance. */
  service: string | null;
  rules: MetricRules;
  names: MetricNames;
  memoryLimitBytes: number | null;
  hourlyUsd: number | null;
}

/** Seconds as a Prometheus duration: 300 → 5m, 90 → 90s, 3600 → 1h. */
export function promDuration(sec: number): string {
  const s = Math.round(sec);
  if (s > 0 && s % 3600 === 0) return `${s / 3600}h`;
  if (s > 0 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Numbers as PromQL literals (no exponent surprises, no trailing noise). */
const lit = (n: number) => String(Math.round(n * 1e6) / 1e6);
const usd = (n: number) => `$${n.toFixed(2)}`;

/** The default targets when there is no manifest: the guide's thresholds, no memory or cost rule (no limit, no budget). */
export function defaultMetricTarget(): MetricRuleTarget {
  return {
    service: null,
    rules: METRIC_RULE_DEFAULTS,
    names: DEFAULT_METRIC_NAMES,
    memoryLimitBytes: null,
    hourlyUsd: null,
  };
}

export function promMetricRules(targets: readonly MetricRuleTarget[]): PromRuleGroup {
  const rules: PromRule[] = [];
  for (const t of targets) rules.push(...targetRules(t));
  return { name: 'vigil-metrics', rules };
}

function targetRules(t: MetricRuleTarget): PromRule[] {
  const out: PromRule[] = [];
  const sel = (extra: string[] = []) => {
    const m = [...(t.service === null ? [] : [`service="${t.service}"`]), ...extra];
    return m.length === 0 ? '' : `{${m.join(',')}}`;
  };
  const by = t.service === null ? 'by (job, instance)' : 'by (service)';
  const who = t.service === null ? '{{ $labels.job }} on {{ $labels.instance }}' : '{{ $labels.service }}';
  const n = t.names;
  const r = t.rules;
  // Same alert name, other thresholds per service: the service label keeps the rules apart (promtool lint).
  const svcLabel: Record<string, string> = t.service === null ? {} : { service: t.service };
  const forOf = (sec: number) => (sec > 0 ? { for: promDuration(sec) } : {});
  if (r.errorRate) {
    const w = promDuration(r.errorRate.windowSec);
    out.push({
      alert: 'VigilHighErrorRate',
      expr: `100 * sum ${by} (rate(${n.requests}${sel(['status="error"'])}[${w}])) / sum ${by} (rate(${n.requests}${sel()}[${w}])) > ${lit(r.errorRate.abovePercent)}`,
      ...forOf(r.errorRate.forSec),
      labels: { severity: r.errorRate.severity, ...svcLabel },
      annotations: {
        summary: `${who}'s error rate is high`,
        description: `${who}: error rate {{ $value | printf "%.1f" }} % over ${w} (threshold ${lit(r.errorRate.abovePercent)} %).`,
      },
    });
  }
  if (r.latencyP95) {
    const w = promDuration(r.latencyP95.windowSec);
    out.push({
      alert: 'VigilHighLatencyP95',
      expr: `histogram_quantile(0.95, sum ${by.replace(')', ', le)')} (rate(${n.requestDuration}_bucket${sel()}[${w}]))) > ${lit(r.latencyP95.aboveSec)}`,
      ...forOf(r.latencyP95.forSec),
      labels: { severity: r.latencyP95.severity, ...svcLabel },
      annotations: {
        summary: `${who}'s p95 latency is high`,
        description: `${who}: p95 request latency {{ $value | printf "%.3g" }} s over ${w} (threshold ${lit(r.latencyP95.aboveSec)} s).`,
      },
    });
  }
  if (r.memory && t.memoryLimitBytes !== null && t.service !== null) {
    out.push({
      alert: 'VigilMemoryNearLimit',
      expr: `100 * vigil_service_memory_bytes${sel()} / ${t.memoryLimitBytes} > ${lit(r.memory.abovePercentOfLimit)}`,
      ...forOf(r.memory.forSec),
      labels: { severity: r.memory.severity, ...svcLabel },
      annotations: {
        summary: `${who}'s memory is near its limit`,
        description: `${who}: memory at {{ $value | printf "%.1f" }} % of its limit of ${t.memoryLimitBytes} bytes (threshold ${lit(r.memory.abovePercentOfLimit)} %).`,
      },
    });
  }
  if (r.costPerHour && t.hourlyUsd !== null) {
    const threshold = r.costPerHour.aboveFactorOfHourlyBudget * t.hourlyUsd;
    out.push({
      alert: 'VigilCostPerHourOverBudget',
      expr: `sum ${by} (${n.costPerHour}${sel()}) > ${lit(threshold)}`,
      ...forOf(r.costPerHour.forSec),
      labels: { severity: r.costPerHour.severity, ...svcLabel },
      annotations: {
        summary: `${who}'s cost per hour is over budget`,
        description: `${who}: cost per hour ${'$'}{{ $value | printf "%.2f" }} (threshold ${usd(threshold)}: ${lit(r.costPerHour.aboveFactorOfHourlyBudget)}× the hourly budget of ${usd(t.hourlyUsd)}).`,
      },
    });
  }
  if (r.circuitBreaker) {
    out.push({
      alert: 'VigilCircuitBreakerOpen',
      expr: `count ${by} (${n.circuitBreaker}${sel()} > 0) > 0`,
      ...forOf(r.circuitBreaker.forSec),
      labels: { severity: r.circuitBreaker.severity, ...svcLabel },
      annotations: {
        summary: `${who}'s circuit breaker is open`,
        description: `${who}: {{ $value }} open circuit breaker(s) (threshold: any open).`,
      },
    });
  }
  if (r.tokensPerRequest) {
    const w = promDuration(r.tokensPerRequest.windowSec);
    const ratio = (range: string) =>
      `(sum ${by} (increase(${n.tokens}${sel()}[${range}])) / sum ${by} (increase(${n.requests}${sel()}[${range}])))`;
    out.push({
      alert: 'VigilHighTokensPerRequest',
      expr: `${ratio(w)} > ${lit(r.tokensPerRequest.aboveFactorOfDailyAverage)} * ${ratio('1d')}`,
      ...forOf(r.tokensPerRequest.forSec),
      labels: { severity: r.tokensPerRequest.severity, ...svcLabel },
      annotations: {
        summary: `${who}'s token use per request is high`,
        description: `${who}: {{ $value | printf "%.0f" }} tokens per request over ${w} (threshold: ${lit(r.tokensPerRequest.aboveFactorOfDailyAverage)}× the daily average).`,
      },
    });
  }
  return out;
}
