/**
 * Token usage and spend: the shapes shared by the sources, the pricer, the ledger and the budgets.
 *
 * Token convention (every token is counted exactly once):
 *  - `input`        uncached input tokens only (cache reads and writes are NOT in it — Anthropic's convention);
 *  - `cacheRead`    input tokens read from the prompt cache;
 *  - `cacheWrite`   input tokens written to the cache with the default (5-minute) or an unspecified TTL;
 *  - `cacheWrite1h` input tokens written to the cache with the 1-hour TTL;
 *  - `output`       output tokens, reasoning included (OpenAI's convention: reasoning is billed as output);
 *  - `reasoning`    the part of `output` that was reasoning (informational, never added to totals).
 * Money is integer micro-dollars (1 USD = 1,000,000 µ$).
 */

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
}

export const TOKEN_KINDS = [
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'cacheWrite1h',
  'reasoning',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export function zeroTokens(): TokenCounts {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0 };
}

/** All tokens processed (reasoning is part of output, so it is not added again). */
export function totalTokens(t: TokenCounts): number {
  return t.input + t.output + t.cacheRead + t.cacheWrite + t.cacheWrite1h;
}

/** Every input token of a request, cached or not (what long-context tiers are measured on). */
export function totalInput(t: TokenCounts): number {
  return t.input + t.cacheRead + t.cacheWrite + t.cacheWrite1h;
}

export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
    reasoning: a.reasoning + b.reasoning,
  };
}

export type SourceKind = 'log' | 'metrics' | 'litellm' | 'otlp';

/**
 * How the cost of an entry was obtained: computed from a price table (`computed`), from a manifest
 * `pricing:` override (`override`), reported by the provider or proxy (`reported`, wins over the others),
 * or not at all (`unpriced`: the model has no known price; its tokens are kept, its cost is null, never 0).
 */
export type CostSource = 'computed' | 'override' | 'reported' | 'unpriced';

/** One usage entry of the ledger: a request (log) or the usage of one scrape window (metrics). */
export interface UsageEntry {
  /** Idempotency key: the same usage always produces the same key, so it is stored once. */
  key: string;
  /** When it happened (ms since the epoch). */
  at: number;
  service: string;
  model: string;
  provider: string | null;
  source: SourceKind;
  requests: number;
  tokens: TokenCounts;
  /** null when unpriced. */
  costMicro: number | null;
  costSource: CostSource;
  /** Which price table priced it ("genai-prices 0.1.8", "manifest", "reported"); null when unpriced. */
  pricing: string | null;
}

/** An entry with the local budget day and hour it belongs to ("2026-11-26", "2026-11-26T14"). */
export interface LedgerEntry extends UsageEntry {
  day: string;
  hour: string;
}

export const MICRO_PER_USD = 1_000_000;

export function usdToMicro(usd: number): number {
  return Math.round(usd * MICRO_PER_USD);
}

export function microToUsd(micro: number): number {
  return micro / MICRO_PER_USD;
}

/** "$12.345678" → for people: 2 decimals from $1, up to 6 below (never rounds a real cost to $0.00). */
/**
 * A cost for people: "unpriced" when nothing behind it had a known price (unpriced requests and no cost),
 * never "$0.00", which would read as free.
 */
export function formatCost(costMicro: number, unpricedRequests: number): string {
  return costMicro === 0 && unpricedRequests > 0 ? 'unpriced' : formatUsd(costMicro);
}

export function formatUsd(micro: number): string {
  const usd = micro / MICRO_PER_USD;
  if (micro === 0) return '$0.00';
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  if (Math.abs(usd) >= 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(6).replace(/0{1,2}$/, '')}`;
}
