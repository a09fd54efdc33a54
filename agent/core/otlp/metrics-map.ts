/**
 * OTLP metrics → token usage. Which metrics carry usage, and in which token convention:
 *  - `gen_ai.client.token.usage` (OTel GenAI; a histogram, by `gen_ai.token.type`): `input` INCLUDES cache
 *    reads and writes (`cache_read` / `cache_creation` types, when a sender splits them, are taken out of it);
 *  - `gen_ai.usage.prompt_tokens` / `gen_ai.usage.completion_tokens` (the older names, as counters): prompt
 *    includes cached tokens, no split known;
 *  - `claude_code.token.usage` (by `type`: input, output, cacheRead, cacheCreation) and
 *    `claude_code.cost.usage` (USD): Anthropic's convention, input EXCLUDES the cache;
 *  - `openclaw.tokens` (by `openclaw.token`: input, output, cache_read, cache_write; `prompt` and `total`
 *    are sums of those and skipped) and `openclaw.cost.usd`: input excludes the cache.
 * One resource (one sending process) is read in one convention: its vendor metrics (claude_code.*,
 * openclaw.*) win over `gen_ai.client.token.usage`, which wins over the older names, so a sender that emits
 * several never has a token counted twice. Pure.
 */
import {
  attrMap,
  canonical,
  nanosText,
  nanosToMs,
  text,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  type AttrValue,
  type HistogramDataPoint,
  type Metric,
  type MetricsRequest,
  type NumberDataPoint,
} from './wire.js';

/** Where a series' value goes in the ledger's convention. */
export type UsageField =
  | 'input'
  | 'inputInclCache'
  | 'cacheReadIncl'
  | 'cacheWriteIncl'
  | 'output'
  | 'cacheRead'
  | 'cacheWrite'
  | 'costUsd';

/** One data point of a usage series, before cumulative values become deltas. */
export interface UsagePointIn {
  /** Resource, scope, metric and point attributes: the series' identity. */
  series: string;
  cumulative: boolean;
  /** Nanoseconds, canonical decimal text. */
  start: string;
  time: string;
  /** ms; null when the point has no time. */
  at: number | null;
  /** The resource's `service.name` (null: none). */
  serviceName: string | null;
  model: string;
  provider: string | null;
  field: UsageField;
  value: number;
  /** Requests the point covers (a histogram's count on its input series), else 0. */
  count: number;
}

export interface MetricsMapped {
  points: UsagePointIn[];
  /** Data points that could not be used, by reason (never a value from the request). */
  rejected: Record<string, number>;
  /** Metric names that carry no usage Vigil knows. */
  unknownMetrics: string[];
  /** Data points of a usage metric left out because the same resource reports in a better one. */
  superseded: number;
}

type Family = 'vendor' | 'genai' | 'legacy';

interface Known {
  family: Family;
  /** The point's field, or null to skip it (a derived sum), or a reason it cannot be used. */
  field(attrs: Readonly<Record<string, AttrValue>>): UsageField | null | { reason: string };
  model(attrs: Readonly<Record<string, AttrValue>>): string | null;
  provider(attrs: Readonly<Record<string, AttrValue>>): string | null;
  /** Counts requests: the histogram count of these points. */
  countsRequests?(field: UsageField): boolean;
}

const genaiModel = (a: Readonly<Record<string, AttrValue>>) =>
  text(a, 'gen_ai.response.model', 'gen_ai.request.model');
const genaiProvider = (a: Readonly<Record<string, AttrValue>>) =>
  text(a, 'gen_ai.provider.name', 'gen_ai.system');

const byType =
  (attr: string, map: Readonly<Record<string, UsageField | null>>) =>
  (a: Readonly<Record<string, AttrValue>>): UsageField | null | { reason: string } => {
    const t = text(a, attr);
    if (t === null) return { reason: `no "${attr}" attribute` };
    const f = map[t];
    return f === undefined ? { reason: `unknown ${attr} "${t.slice(0, 40)}"` } : f;
  };

export const KNOWN_METRICS: Readonly<Record<string, Known>> = {
  'gen_ai.client.token.usage': {
    family: 'genai',
    field: byType('gen_ai.token.type', {
      input: 'inputInclCache',
      output: 'output',
      cache_read: 'cacheReadIncl',
      cache_creation: 'cacheWriteIncl',
    }),
    model: genaiModel,
    provider: genaiProvider,
    countsRequests: (f) => f === 'inputInclCache',
  },
  'gen_ai.usage.prompt_tokens': {
    family: 'legacy',
    field: () => 'inputInclCache',
    model: genaiModel,
    provider: genaiProvider,
  },
  'gen_ai.usage.completion_tokens': {
    family: 'legacy',
    field: () => 'output',
    model: genaiModel,
    provider: genaiProvider,
  },
  'claude_code.token.usage': {
    family: 'vendor',
    field: byType('type', {
      input: 'input',
      output: 'output',
      cacheRead: 'cacheRead',
      cacheCreation: 'cacheWrite',
    }),
    model: (a) => text(a, 'model'),
    provider: () => 'anthropic',
  },
  'claude_code.cost.usage': {
    family: 'vendor',
    field: () => 'costUsd',
    model: (a) => text(a, 'model'),
    provider: () => 'anthropic',
  },
  'openclaw.tokens': {
    family: 'vendor',
    field: byType('openclaw.token', {
      input: 'input',
      output: 'output',
      cache_read: 'cacheRead',
      cache_write: 'cacheWrite',
      prompt: null,
      total: null,
    }),
    model: (a) => text(a, 'openclaw.model', 'gen_ai.response.model', 'gen_ai.request.model'),
    provider: (a) => text(a, 'openclaw.provider', 'gen_ai.provider.name'),
  },
  'openclaw.cost.usd': {
    family: 'vendor',
    field: () => 'costUsd',
    model: (a) => text(a, 'openclaw.model', 'gen_ai.response.model', 'gen_ai.request.model'),
    provider: (a) => text(a, 'openclaw.provider', 'gen_ai.provider.name'),
  },
};

const RANK: Readonly<Record<Family, number>> = { vendor: 3, genai: 2, legacy: 1 };

interface RawPoint {
  attrs: Readonly<Record<string, AttrValue>>;
  start: string;
  time: string;
  value: number | null;
  count: number;
}

function points(m: Metric): { cumulative: boolean; points: RawPoint[] } | { reason: string } {
  const num = (p: NumberDataPoint): RawPoint => ({
    attrs: attrMap(p.attributes),
    start: nanosText(p.startTimeUnixNano),
    time: nanosText(p.timeUnixNano),
    value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble !== undefined ? Number(p.asDouble) : null,
    count: 0,
  });
  const hist = (p: HistogramDataPoint): RawPoint => ({
    attrs: attrMap(p.attributes),
    start: nanosText(p.startTimeUnixNano),
    time: nanosText(p.timeUnixNano),
    value: p.sum !== undefined ? Number(p.sum) : null,
    count: p.count !== undefined ? Number(p.count) : 0,
  });
  const temporality = (t: number | undefined) =>
    t === TEMPORALITY_DELTA ? false : t === TEMPORALITY_CUMULATIVE ? true : null;
  if (m.sum) {
    const c = temporality(m.sum.aggregationTemporality);
    if (c === null) return { reason: 'a sum without delta or cumulative temporality' };
    if (m.sum.isMonotonic === false) return { reason: 'a non-monotonic sum (an up-down counter)' };
    return { cumulative: c, points: (m.sum.dataPoints ?? []).map(num) };
  }
  const h = m.histogram ?? m.exponentialHistogram;
  if (h) {
    const c = temporality(h.aggregationTemporality);
    if (c === null) return { reason: 'a histogram without delta or cumulative temporality' };
    return { cumulative: c, points: (h.dataPoints ?? []).map(hist) };
  }
  return { reason: 'not a sum or a histogram (a gauge cannot be added up)' };
}

const pointCount = (m: Metric): number =>
  (m.sum?.dataPoints ?? m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.gauge?.dataPoints)
    ?.length ?? 1;

/** Reads the usage data points of one export request. */
export function mapMetrics(req: MetricsRequest): MetricsMapped {
  const out: MetricsMapped = { points: [], rejected: {}, unknownMetrics: [], superseded: 0 };
  const reject = (why: string, n = 1) => (out.rejected[why] = (out.rejected[why] ?? 0) + n);
  const unknown = new Set<string>();
  for (const rm of req.resourceMetrics ?? []) {
    const resAttrs = attrMap(rm.resource?.attributes);
    const serviceName = text(resAttrs, 'service.name');
    const resText = canonical(resAttrs);
    const metrics = (rm.scopeMetrics ?? []).flatMap((sm) =>
      (sm.metrics ?? []).map((m) => ({ scope: `${sm.scope?.name ?? ''}@${sm.scope?.version ?? ''}`, m })),
    );
    // The resource's best family of usage metrics; the others are left out (see the file's comment).
    let best = 0;
    for (const { m } of metrics) {
      const k = typeof m.name === 'string' ? KNOWN_METRICS[m.name] : undefined;
      if (k) best = Math.max(best, RANK[k.family]);
    }
    for (const { scope, m } of metrics) {
      const name = typeof m.name === 'string' ? m.name : '';
      const known = KNOWN_METRICS[name];
      if (!known) {
        unknown.add(name === '' ? '(no name)' : name.slice(0, 80));
        continue;
      }
      if (RANK[known.family] < best) {
        out.superseded += pointCount(m);
        continue;
      }
      const got = points(m);
      if ('reason' in got) {
        reject(`${name}: ${got.reason}`, pointCount(m));
        continue;
      }
      for (const p of got.points) {
        const field = known.field(p.attrs);
        if (field === null) continue;
        if (typeof field === 'object') {
          reject(`${name}: ${field.reason}`);
          continue;
        }
        const model = known.model(p.attrs);
        if (model === null) {
          reject(`${name}: no model attribute`);
          continue;
        }
        if (p.value === null || !Number.isFinite(p.value) || p.value < 0) {
          reject(`${name}: a value that is not a non-negative number`);
          continue;
        }
        if (field !== 'costUsd' && !Number.isInteger(p.value)) {
          reject(`${name}: a token count that is not a whole number`);
          continue;
        }
        out.points.push({
          series: `${resText}|${scope}|${name}|${canonical(p.attrs)}`,
          cumulative: got.cumulative,
          start: p.start,
          time: p.time,
          at: nanosToMs(p.time),
          serviceName,
          model: model.slice(0, 200),
          provider: known.provider(p.attrs)?.slice(0, 60) ?? null,
          field,
          value: p.value,
          count: known.countsRequests?.(field) ? Math.max(0, Math.floor(p.count)) : 0,
        });
      }
    }
  }
  out.unknownMetrics = [...unknown].sort();
  return out;
}
