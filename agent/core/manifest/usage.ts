/**
 * The manifest's usage keys: per service `usage:` (where its token usage comes from), top-level
 * `pricing:` (price overrides per model) and `budget:` (caps, thresholds, enforcement). Schemas, the
 * normalized types, and the checks that need the whole manifest (service names). Pure.
 */
import { z } from 'zod';
import type { ModelRates, Rate } from '../usage/price.js';
import { isValidTimeZone } from '../usage/tz.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const usd = () => z.number().min(0, 'must be >= 0');
const onExceed = z.enum(['alert', 'stop'], { error: 'must be alert or stop' });
const nameMap = z.record(z.string().min(1, 'must not be empty'), z.string());

export const usageSchema = z.strictObject({
  /** Scrape `agent_tokens_total` / `agent_requests_total` from the service's metrics.url. */
  metrics: z.boolean().default(false),
  /** Read `{"event":"llm_usage",…}` lines from the service's log ($VIGIL_HOME/logs/<name>.log or `path`). */
  log: z
    .union([z.boolean(), z.strictObject({ path: z.string().startsWith('/', 'must be an absolute path') })], {
      error: 'must be true, false or { path: /absolute/file }',
    })
    .default(false),
  /** This service is a LiteLLM proxy: read its spend and token metrics, attributed by key alias or team. */
  litellm: z
    .strictObject({
      url: httpUrl.optional(),
      keyAliases: nameMap.default({}),
      teams: nameMap.default({}),
    })
    .optional(),
  /** Provider assumed for log events that do not name one (anthropic, openai, google…). */
  provider: z.string().min(1).optional(),
  intervalSec: z.number().min(1, 'must be >= 1').max(3600, 'must be <= 3600').default(10),
});

const rateFields = {
  input: usd().optional(),
  output: usd().optional(),
  cacheRead: usd().optional(),
  cacheWrite: usd().optional(),
  cacheWrite1h: usd().optional(),
  reasoning: usd().optional(),
  perRequest: usd().optional(),
};

const modelPriceSchema = z.strictObject({
  ...rateFields,
  longContext: z
    .strictObject({ aboveInputTokens: z.number().int().min(1, 'must be >= 1'), ...rateFields })
    .optional(),
});

export const pricingSchema = z.record(z.string().min(1, 'must not be empty'), modelPriceSchema);

export const budgetSchema = z.strictObject({
  timezone: z
    .string()
    .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC')
    .optional(),
  dailyUsd: usd().optional(),
  monthlyUsd: usd().optional(),
  hourlyUsd: usd().optional(),
  thresholds: z
    .array(z.number().gt(0, 'must be > 0').max(1000, 'must be <= 1000'))
    .min(1, 'must list at least one percentage')
    .default([80, 100]),
  onExceed: onExceed.default('alert'),
  stop: z.array(z.string()).default([]),
  services: z
    .record(z.string(), z.strictObject({ dailyUsd: usd(), onExceed: onExceed.optional() }))
    .default({}),
  spike: z
    .strictObject({ factor: z.number().gt(1, 'must be > 1').default(2), minUsd: usd().default(1) })
    .default({ factor: 2, minUsd: 1 }),
});

export type RawUsage = z.output<typeof usageSchema>;
export type RawBudget = z.output<typeof budgetSchema>;
export type RawPricing = z.output<typeof pricingSchema>;

/** Absent values are left out, never null: specs are stored by a codec that reads null back as absent. */
export interface UsageSpec {
  metrics: boolean;
  /** Absent: no log source; path absent: the service's own log file. */
  log?: { path?: string };
  litellm?: { url: string; keyAliases: Record<string, string>; teams: Record<string, string> };
  provider?: string;
  intervalSec: number;
}

export interface BudgetSpec {
  /** IANA zone of the budget day; null: the machine's local zone. */
  timezone: string | null;
  dailyUsd: number | null;
  monthlyUsd: number | null;
  hourlyUsd: number | null;
  /** Percentages, ascending. */
  thresholds: number[];
  onExceed: 'alert' | 'stop';
  /** Services stopped when the global (daily or monthly) budget is exceeded and onExceed is stop. */
  stop: string[];
  services: Record<string, { dailyUsd: number; onExceed: 'alert' | 'stop' }>;
  spike: { factor: number; minUsd: number };
}

/** Model name (or a prefix ending in "*") → rates in USD per million tokens. */
export type PricingSpec = Record<string, ModelRates>;

export function normalizeUsage(raw: RawUsage, metricsUrl: string | undefined): UsageSpec {
  return {
    metrics: raw.metrics,
    ...(raw.log === false ? {} : { log: raw.log === true ? {} : { path: raw.log.path } }),
    ...(raw.litellm
      ? {
          litellm: {
            url: raw.litellm.url ?? metricsUrl ?? '',
            keyAliases: raw.litellm.keyAliases,
            teams: raw.litellm.teams,
          },
        }
      : {}),
    ...(raw.provider !== undefined ? { provider: raw.provider } : {}),
    intervalSec: raw.intervalSec,
  };
}

export function normalizeBudget(raw: RawBudget): BudgetSpec {
  return {
    timezone: raw.timezone ?? null,
    dailyUsd: raw.dailyUsd ?? null,
    monthlyUsd: raw.monthlyUsd ?? null,
    hourlyUsd: raw.hourlyUsd ?? null,
    thresholds: [...new Set(raw.thresholds)].sort((a, b) => a - b),
    onExceed: raw.onExceed,
    stop: raw.stop,
    services: Object.fromEntries(
      Object.entries(raw.services).map(([name, s]) => [
        name,
        { dailyUsd: s.dailyUsd, onExceed: s.onExceed ?? raw.onExceed },
      ]),
    ),
    spike: raw.spike,
  };
}

type RawRates = { [K in keyof typeof rateFields]?: number | undefined };

export function normalizePricing(raw: RawPricing): PricingSpec {
  const out: PricingSpec = {};
  for (const [model, p] of Object.entries(raw)) {
    const rates: ModelRates = {};
    for (const key of Object.keys(rateFields) as (keyof RawRates)[]) {
      const base = p[key];
      if (base === undefined) continue;
      const tier = p.longContext?.[key];
      const rate: Rate =
        tier === undefined
          ? base
          : { base, tiers: [{ start: p.longContext!.aboveInputTokens, price: tier }] };
      rates[key] = rate;
    }
    out[model.toLowerCase()] = rates;
  }
  return out;
}

export interface CrossProblem {
  path: (string | number)[];
  message: string;
}

/** Checks that need every service: names referenced by usage and budget, URLs a source needs. */
export function usageProblems(
  services: ReadonlyMap<string, { usage?: RawUsage | undefined; metrics?: { url: string } | undefined }>,
  budget: RawBudget | undefined,
  pricing: RawPricing | undefined,
): CrossProblem[] {
  const out: CrossProblem[] = [];
  const known = (name: string) => services.has(name);
  for (const [name, svc] of services) {
    const u = svc.usage;
    if (!u) continue;
    const base = ['services', name, 'usage'];
    if (u.metrics && !svc.metrics)
      out.push({ path: [...base, 'metrics'], message: "needs the service's metrics.url to scrape" });
    if (u.litellm && !u.litellm.url && !svc.metrics)
      out.push({
        path: [...base, 'litellm', 'url'],
        message: 'is required when the service has no metrics.url',
      });
    for (const [kind, map] of [
      ['keyAliases', u.litellm?.keyAliases ?? {}],
      ['teams', u.litellm?.teams ?? {}],
    ] as const) {
      for (const [key, target] of Object.entries(map)) {
        if (!known(target))
          out.push({ path: [...base, 'litellm', kind, key], message: `unknown service "${target}"` });
      }
    }
  }
  if (budget) {
    budget.stop.forEach((s, i) => {
      if (!known(s)) out.push({ path: ['budget', 'stop', i], message: `unknown service "${s}"` });
    });
    for (const s of Object.keys(budget.services)) {
      if (!known(s)) out.push({ path: ['budget', 'services', s], message: `unknown service "${s}"` });
    }
    if (budget.stop.length > 0 && budget.dailyUsd === undefined && budget.monthlyUsd === undefined) {
      out.push({
        path: ['budget', 'stop'],
        message: 'needs dailyUsd or monthlyUsd: there is no global budget to exceed',
      });
    }
  }
  for (const [model, p] of Object.entries(pricing ?? {})) {
    if (p.input === undefined && p.output === undefined) {
      out.push({
        path: ['pricing', model],
        message: 'needs at least input or output (USD per million tokens)',
      });
    }
    for (const key of Object.keys(p.longContext ?? {})) {
      if (key !== 'aboveInputTokens' && p[key as keyof RawRates] === undefined) {
        out.push({
          path: ['pricing', model, 'longContext', key],
          message: `needs a base price: ${key} is not set for the model itself`,
        });
      }
    }
    const star = model.indexOf('*');
    if (star !== -1 && star !== model.length - 1)
      out.push({ path: ['pricing', model], message: 'a "*" may only end the model name (a prefix)' });
  }
  return out;
}
