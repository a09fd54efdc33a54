/**
 * The zod schema of the metric alert rules (top-level `alerts.<rule>` and `services.<name>.alerts.<rule>`)
 * and of a service's `metrics:` map. Strict: an unknown rule or field is an error; thresholds have ranges.
 */
import { z } from 'zod';
import type { MetricRuleOverrides } from './metric-rules.js';

const severity = z.enum(['info', 'warning', 'critical'], { error: 'must be info, warning or critical' });
const seconds = (min: number, max: number) =>
  z.number().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`);
const forSec = seconds(0, 86400);
const windowSec = seconds(1, 86400);
const percent = z.number().gt(0, 'must be > 0').max(100, 'must be <= 100');

/** `false` (off), `true` (on) or some of the rule's fields. */
const rule = <T extends z.ZodRawShape>(shape: T) =>
  z.union([z.boolean(), z.strictObject(shape).partial()], {
    error: "must be a map of the rule's settings, or false to switch it off",
  });

export const metricRuleShape = {
  errorRate: rule({ abovePercent: percent, windowSec, forSec, severity }).optional(),
  latencyP95: rule({
    aboveSec: z.number().gt(0, 'must be > 0').max(3600, 'must be <= 3600'),
    windowSec,
    forSec,
    severity,
  }).optional(),
  memory: rule({ abovePercentOfLimit: percent, forSec, severity }).optional(),
  costPerHour: rule({
    aboveFactorOfHourlyBudget: z.number().gt(0, 'must be > 0').max(1000, 'must be <= 1000'),
    forSec,
    severity,
  }).optional(),
  circuitBreaker: rule({ forSec, severity }).optional(),
  tokensPerRequest: rule({
    aboveFactorOfDailyAverage: z.number().gt(1, 'must be > 1').max(1000, 'must be <= 1000'),
    windowSec,
    forSec,
    severity,
  }).optional(),
};

/** `services.<name>.alerts`: only the rules. */
export const serviceAlertsSchema = z.strictObject(metricRuleShape);

/** The rule overrides of a parsed `alerts:` map (either level), without the keys left out. */
export function ruleOverrides(
  raw: Partial<Record<keyof typeof metricRuleShape, unknown>>,
): MetricRuleOverrides {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(metricRuleShape) as (keyof typeof metricRuleShape)[])
    if (raw[k] !== undefined) out[k] = raw[k];
  return out as MetricRuleOverrides;
}

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name');

export const metricsSchema = z.strictObject({
  url: z.url({
    protocol: /^https?$/,
    error: (iss) => (iss.input === undefined ? 'is required' : 'must be an http(s) URL'),
  }),
  /** How often the agent scrapes it for the metric alert rules (s). */
  intervalSec: z.number().min(1, 'must be >= 1').max(3600, 'must be <= 3600').optional(),
  circuitBreaker: metricName.optional(),
  names: z
    .strictObject({
      requests: metricName,
      requestDuration: metricName,
      tokens: metricName,
      costPerHour: metricName,
    })
    .partial()
    .optional(),
});
