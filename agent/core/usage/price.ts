/**
 * Exact cost of a usage: tokens × rates in integer arithmetic (pico-dollars per token, BigInt), rounded once
 * to micro-dollars. Rates follow @pydantic/genai-prices' semantics, so the two agree to the micro-dollar:
 *  - a tiered rate applies to the whole bucket when the request's TOTAL input (uncached + cache reads +
 *    cache writes) is above the tier's start (Anthropic's long-context rule: "all tokens incur premium");
 *  - a bucket without its own rate falls back to its parent (cache read → input, 1-hour write → write → input,
 *    reasoning → output), as the library's unit hierarchy does;
 *  - a bucket with tokens but no rate at all makes the usage unpriced (null), never $0.
 */
import { totalInput, type TokenCounts } from './model.js';

/** USD per million tokens (or per request for `perRequest`), flat or tiered on total input tokens. */
export type Rate = number | { base: number; tiers: readonly { start: number; price: number }[] };

export interface ModelRates {
  input?: Rate;
  output?: Rate;
  cacheRead?: Rate;
  /** Cache writes with the default (5-minute) or an unspecified TTL. */
  cacheWrite?: Rate;
  cacheWrite5m?: Rate;
  cacheWrite1h?: Rate;
  /** Reasoning tokens, when priced apart from output. */
  reasoning?: Rate;
  /** USD per request. */
  perRequest?: Rate;
}

/** What the price catalog answers for a model. */
export interface PriceQuote {
  rates: ModelRates;
  /** "genai-prices 0.1.8 claude-sonnet-4-5" or "manifest claude-*": stored with every cost. */
  version: string;
  source: 'computed' | 'override';
}

/** A rate in pico-dollars (per token, or per request for perRequest): flat, or tiered on total input. */
type PicoRate = number | { base: number; tiers: { start: number; pico: number }[] };

interface Compiled {
  input?: PicoRate;
  output?: PicoRate;
  cacheRead?: PicoRate;
  cacheWrite5m?: PicoRate;
  cacheWrite1h?: PicoRate;
  reasoning?: PicoRate;
  perRequest?: PicoRate;
}

/** USD per million tokens → pico-dollars per token (exact for prices with up to 6 decimals); ×1e6 more per request. */
function toPico(rate: Rate | undefined, scale: number): PicoRate | undefined {
  if (rate === undefined) return undefined;
  if (typeof rate === 'number') return Math.round(rate * scale);
  const tiers = [...rate.tiers]
    .sort((a, b) => a.start - b.start)
    .map((t) => ({ start: t.start, pico: Math.round(t.price * scale) }));
  return { base: Math.round(rate.base * scale), tiers };
}

function picoAt(rate: PicoRate, inputTotal: number): number {
  if (typeof rate === 'number') return rate;
  let pico = rate.base;
  for (const t of rate.tiers) if (inputTotal > t.start) pico = t.pico;
  return pico;
}

const compiledCache = new WeakMap<ModelRates, Compiled>();

/** Rates in pico-dollars with each bucket's fallback resolved (cached per rates object). */
function compile(rates: ModelRates): Compiled {
  let c = compiledCache.get(rates);
  if (c) return c;
  const input = toPico(rates.input, 1e6);
  const write = rates.cacheWrite ?? rates.input;
  c = {
    input,
    output: toPico(rates.output, 1e6),
    cacheRead: toPico(rates.cacheRead ?? rates.input, 1e6),
    cacheWrite5m: toPico(rates.cacheWrite5m ?? write, 1e6),
    cacheWrite1h: toPico(rates.cacheWrite1h ?? write, 1e6),
    reasoning: toPico(rates.reasoning, 1e6),
    perRequest: toPico(rates.perRequest, 1e12),
  };
  compiledCache.set(rates, c);
  return c;
}

/**
 * Cost in micro-dollars of `requests` requests with these tokens, or null when a bucket with tokens has no
 * rate. For aggregated usage (metrics windows) pass `inputTotal` 0 to price at base rates. Integer
 * arithmetic throughout (Number while the sum is below 2^53, BigInt beyond), one rounding at the end.
 */
export function costMicro(
  rates: ModelRates,
  tokens: TokenCounts,
  requests: number,
  inputTotal: number = totalInput(tokens),
): number | null {
  const c = compile(rates);
  const reasoning =
    c.reasoning !== undefined && tokens.reasoning > 0 ? Math.min(tokens.reasoning, tokens.output) : 0;
  const acc = { pico: 0, big: null as bigint | null };
  const ok =
    add(acc, tokens.input, c.input, inputTotal) &&
    add(acc, tokens.cacheRead, c.cacheRead, inputTotal) &&
    add(acc, tokens.cacheWrite, c.cacheWrite5m, inputTotal) &&
    add(acc, tokens.cacheWrite1h, c.cacheWrite1h, inputTotal) &&
    add(acc, tokens.output - reasoning, c.output, inputTotal) &&
    add(acc, reasoning, c.reasoning, inputTotal) &&
    add(acc, c.perRequest === undefined ? 0 : requests, c.perRequest, inputTotal);
  if (!ok) return null;
  if (acc.big !== null) return Number((acc.big + 500_000n) / 1_000_000n);
  return Math.floor((acc.pico + 500_000) / 1_000_000);
}

/** Adds count × rate (pico-dollars) to the sum: Number while exact, BigInt beyond 2^53. False: no rate. */
function add(
  acc: { pico: number; big: bigint | null },
  count: number,
  rate: PicoRate | undefined,
  inputTotal: number,
): boolean {
  if (count <= 0) return true;
  if (rate === undefined) return false;
  const p = picoAt(rate, inputTotal);
  const product = count * p;
  if (acc.big === null && Number.isSafeInteger(product) && Number.isSafeInteger(acc.pico + product))
    acc.pico += product;
  else acc.big = (acc.big ?? BigInt(acc.pico)) + BigInt(count) * BigInt(p);
  return true;
}

/** The price keys of @pydantic/genai-prices (per million tokens, `requests_kcount` per thousand requests). */
const GENAI_KEYS: Readonly<Record<string, keyof ModelRates>> = {
  input_mtok: 'input',
  output_mtok: 'output',
  cache_read_mtok: 'cacheRead',
  cache_write_mtok: 'cacheWrite',
  cache_write_5m_mtok: 'cacheWrite5m',
  cache_write_1h_mtok: 'cacheWrite1h',
  output_reasoning_mtok: 'reasoning',
  requests_kcount: 'perRequest',
};

type GenaiValue = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

/** A genai-prices ModelPrice (plain data) → ModelRates. Keys for audio, images, searches… are ignored. */
export function ratesFromGenai(price: Readonly<Record<string, GenaiValue>>): ModelRates {
  const rates: ModelRates = {};
  for (const [key, value] of Object.entries(price)) {
    const to = GENAI_KEYS[key];
    if (to === undefined || value === undefined) continue;
    const scale = key === 'requests_kcount' ? 1 / 1000 : 1;
    rates[to] =
      typeof value === 'number'
        ? value * scale
        : {
            base: value.base * scale,
            tiers: value.tiers.map((t) => ({ start: t.start, price: t.price * scale })),
          };
  }
  return rates;
}
