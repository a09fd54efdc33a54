/**
 * The guide's alert table as rules over a service's own metrics (and its resource samples): names,
 * defaults, and how the top-level `alerts:` settings and a service's `alerts:` overrides combine. Pure.
 */
import type { Severity } from '../events.js';

export const METRIC_RULE_NAMES = [
  'errorRate',
  'latencyP95',
  'memory',
  'costPerHour',
  'circuitBreaker',
  'tokensPerRequest',
] as const;
export type MetricRuleName = (typeof METRIC_RULE_NAMES)[number];

/** The engine's rule id of each (alert keys are `<id>:<service>`). */
export const METRIC_RULE_IDS = {
  errorRate: 'error-rate',
  latencyP95: 'latency-p95',
  memory: 'memory-high',
  costPerHour: 'cost-per-hour',
  circuitBreaker: 'circuit-breaker',
  tokensPerRequest: 'tokens-per-request',
} as const satisfies Record<MetricRuleName, string>;
export type MetricRuleId = (typeof METRIC_RULE_IDS)[MetricRuleName];

interface Common {
  /** The condition must hold this long before it alerts (s). */
  forSec: number;
  severity: Severity;
}
export interface ErrorRateRule extends Common {
  abovePercent: number;
  windowSec: number;
}
export interface LatencyRule extends Common {
  aboveSec: number;
  windowSec: number;
}
export interface MemoryRule extends Common {
  abovePercentOfLimit: number;
}
export interface CostRule extends Common {
  aboveFactorOfHourlyBudget: number;
}
export type BreakerRule = Common;
export interface TokensRule extends Common {
  aboveFactorOfDailyAverage: number;
  windowSec: number;
}

/** One service's rules, resolved: `false` is a rule switched off. */
export interface MetricRules {
  errorRate: ErrorRateRule | false;
  latencyP95: LatencyRule | false;
  memory: MemoryRule | false;
  costPerHour: CostRule | false;
  circuitBreaker: BreakerRule | false;
  tokensPerRequest: TokensRule | false;
}

/** As written in the manifest: each rule `false` (off), `true` (on, with the fields given elsewhere) or some of its fields. */
export type MetricRuleOverrides = {
  [K in MetricRuleName]?: boolean | Partial<Exclude<MetricRules[K], false>>;
};

export const METRIC_RULE_DEFAULTS: { [K in MetricRuleName]: Exclude<MetricRules[K], false> } = {
  errorRate: { abovePercent: 5, windowSec: 300, forSec: 120, severity: 'warning' },
  latencyP95: { aboveSec: 10, windowSec: 300, forSec: 120, severity: 'warning' },
  memory: { abovePercentOfLimit: 80, forSec: 60, severity: 'warning' },
  costPerHour: { aboveFactorOfHourlyBudget: 2, forSec: 0, severity: 'critical' },
  circuitBreaker: { forSec: 0, severity: 'warning' },
  tokensPerRequest: { aboveFactorOfDailyAverage: 2, windowSec: 300, forSec: 300, severity: 'warning' },
};

/** The metric names the rules read (overridable per service under `metrics.names` / `metrics.circuitBreaker`). */
export interface MetricNames {
  /** Counter with a `status` label; `status="error"` are the failures. */
  requests: string;
  /** Histogram (its `_bucket` series). */
  requestDuration: string;
  /** Counter of tokens (all labels summed). */
  tokens: string;
  /** Gauge: estimated spend per hour in USD. */
  costPerHour: string;
  /** Gauge: 1 while a breaker is open (any labels). */
  circuitBreaker: string;
}

export const DEFAULT_METRIC_NAMES: MetricNames = {
  requests: 'agent_requests_total',
  requestDuration: 'agent_request_duration_seconds',
  tokens: 'agent_tokens_total',
  costPerHour: 'agent_cost_estimate_hourly',
  circuitBreaker: 'agent_circuit_breaker_open',
};

/** A service's metric names: `metrics.names` and `metrics.circuitBreaker` over the defaults. */
export function metricNamesOf(
  m: { names?: Partial<Omit<MetricNames, 'circuitBreaker'>>; circuitBreaker?: string } | undefined,
): MetricNames {
  return {
    ...DEFAULT_METRIC_NAMES,
    ...(m?.names ?? {}),
    ...(m?.circuitBreaker ? { circuitBreaker: m.circuitBreaker } : {}),
  };
}

/** How often the agent scrapes `metrics.url` for the rules, by default (s). */
export const DEFAULT_METRICS_INTERVAL_SEC = 15;

/**
 * The rules of one service: its own setting of a rule wins over the top-level one, field by field over
 * the defaults; `false` at either level switches the rule off unless the service turns it back on.
 */
export function resolveMetricRules(
  top: MetricRuleOverrides,
  own: MetricRuleOverrides | undefined,
): MetricRules {
  const out = {} as Record<MetricRuleName, unknown>;
  for (const name of METRIC_RULE_NAMES) {
    const t = top[name];
    const o = own?.[name];
    const pick = o ?? t;
    if (pick === false) {
      out[name] = false;
      continue;
    }
    const fromTop = typeof t === 'object' ? t : {};
    const fromOwn = typeof o === 'object' ? o : {};
    out[name] = { ...METRIC_RULE_DEFAULTS[name], ...fromTop, ...fromOwn };
  }
  return out as unknown as MetricRules;
}

/** Rules that need a scrape of `metrics.url` (memory needs only the resource samples). */
export const SCRAPED_RULES: readonly MetricRuleName[] = [
  'errorRate',
  'latencyP95',
  'costPerHour',
  'circuitBreaker',
  'tokensPerRequest',
];
