/**
 * Which scraped series carry usage, and whose usage it is. Two conventions:
 *  - an agent's own metrics: `agent_tokens_total{model,direction}` (direction input | output | cache_read |
 *    cache_write | cache_write_1h | reasoning; input excludes cache tokens) and `agent_requests_total{model,…}`;
 *  - a LiteLLM proxy: `litellm_spend_metric`, `litellm_input_tokens(_metric)`, `litellm_output_tokens(_metric)`,
 *    `litellm_total_tokens(_metric)`, `litellm_requests_metric` (with or without `_total`), labelled with model,
 *    api_key_alias, team / team_alias; mapped to services by key alias, then team, else the proxy itself.
 * Pure.
 */
import { zeroTokens, type TokenCounts, type TokenKind } from './model.js';
import { baseName, seriesKey, type Sample } from './prom-text.js';

export type CounterKind = TokenKind | 'requests' | 'spend' | 'total';

export interface SeriesInfo {
  kind: CounterKind;
  service: string;
  model: string;
  provider: string | null;
  /** Whole units: tokens, requests, or micro-dollars for spend. */
  value: number;
}

/** The usage of one (service, model) over one scrape window. */
export interface WindowUsage {
  service: string;
  model: string;
  provider: string | null;
  requests: number;
  tokens: TokenCounts;
  /** Spend reported by the source (LiteLLM), in µ$; null when it reports none. */
  reportedMicro: number | null;
}

const DIRECTIONS: Readonly<Record<string, TokenKind>> = {
  input: 'input',
  output: 'output',
  cache_read: 'cacheRead',
  cache_write: 'cacheWrite',
  cache_write_5m: 'cacheWrite',
  cache_write_1h: 'cacheWrite1h',
  reasoning: 'reasoning',
};

function counterValue(v: number): number | null {
  return Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
}

export function agentCounters(samples: readonly Sample[], service: string): Map<string, SeriesInfo> {
  const out = new Map<string, SeriesInfo>();
  for (const s of samples) {
    const base = baseName(s.name);
    let kind: CounterKind | undefined;
    if (base === 'agent_tokens') kind = DIRECTIONS[s.labels.direction ?? ''];
    else if (base === 'agent_requests') kind = 'requests';
    const value = counterValue(s.value);
    if (kind === undefined || value === null || s.name.endsWith('_created')) continue;
    out.set(seriesKey(s.name, s.labels), {
      kind,
      service,
      model: s.labels.model || 'unknown',
      provider: s.labels.provider || null,
      value,
    });
  }
  return out;
}

export interface LitellmMapping {
  /** api_key_alias → service. */
  keyAliases: Readonly<Record<string, string>>;
  /** team id or team alias → service. */
  teams: Readonly<Record<string, string>>;
}

const LITELLM: readonly { kind: CounterKind; names: readonly string[] }[] = [
  { kind: 'spend', names: ['litellm_spend_metric'] },
  { kind: 'input', names: ['litellm_input_tokens_metric', 'litellm_input_tokens'] },
  { kind: 'output', names: ['litellm_output_tokens_metric', 'litellm_output_tokens'] },
  { kind: 'total', names: ['litellm_total_tokens_metric', 'litellm_total_tokens'] },
  { kind: 'requests', names: ['litellm_requests_metric'] },
];

export function litellmService(
  labels: Readonly<Record<string, string>>,
  map: LitellmMapping,
  proxy: string,
): string {
  const alias = labels.api_key_alias;
  if (alias && Object.hasOwn(map.keyAliases, alias)) return map.keyAliases[alias]!;
  for (const t of [labels.team, labels.team_alias])
    if (t && Object.hasOwn(map.teams, t)) return map.teams[t]!;
  return proxy;
}

export function litellmCounters(
  samples: readonly Sample[],
  map: LitellmMapping,
  proxy: string,
): Map<string, SeriesInfo> {
  const byBase = new Map<string, Sample[]>();
  for (const s of samples) {
    if (s.name.endsWith('_created')) continue;
    const base = baseName(s.name);
    const list = byBase.get(base);
    if (list) list.push(s);
    else byBase.set(base, [s]);
  }
  const out = new Map<string, SeriesInfo>();
  for (const { kind, names } of LITELLM) {
    // When both the `_metric` name and the older one are exported, only the first is read (never both).
    const name = names.find((n) => byBase.has(n));
    for (const s of name ? byBase.get(name)! : []) {
      const value = counterValue(kind === 'spend' ? s.value * 1e6 : s.value);
      if (value === null) continue;
      out.set(seriesKey(s.name, s.labels), {
        kind,
        service: litellmService(s.labels, map, proxy),
        model: s.labels.model || s.labels.requested_model || 'unknown',
        provider: null,
        value,
      });
    }
  }
  return out;
}

/** Current values per series (what the counter state tracks). */
export function seriesValues(infos: ReadonlyMap<string, SeriesInfo>): Map<string, number> {
  return new Map([...infos].map(([k, i]) => [k, i.value]));
}

/** Deltas per series → usage per (service, model). Groups with nothing in them are left out. */
export function windowUsage(
  infos: ReadonlyMap<string, SeriesInfo>,
  deltas: ReadonlyMap<string, number>,
): WindowUsage[] {
  const groups = new Map<string, WindowUsage & { total: number }>();
  for (const [key, delta] of deltas) {
    const info = infos.get(key);
    if (!info || delta <= 0) continue;
    const id = `${info.service}\u0000${info.model}`;
    let g = groups.get(id);
    if (!g) {
      g = {
        service: info.service,
        model: info.model,
        provider: info.provider,
        requests: 0,
        tokens: zeroTokens(),
        reportedMicro: null,
        total: 0,
      };
      groups.set(id, g);
    }
    if (info.kind === 'requests') g.requests += delta;
    else if (info.kind === 'spend') g.reportedMicro = (g.reportedMicro ?? 0) + delta;
    else if (info.kind === 'total') g.total += delta;
    else g.tokens[info.kind] += delta;
  }
  return [...groups.values()].map(({ total, ...g }) => {
    // Only a total is exported: it is kept as input tokens rather than lost.
    if (g.tokens.input === 0 && g.tokens.output === 0 && total > 0) g.tokens.input = total;
    return g;
  });
}
