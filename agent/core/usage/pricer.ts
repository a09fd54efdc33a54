/**
 * The cost of one usage entry: a provider-reported cost wins (marked `reported`); else a manifest
 * `pricing:` override; else the price catalog; else the entry is `unpriced` (cost null, tokens kept). Pure:
 * the catalog is passed in.
 */
import type { PricingSpec } from '../manifest/usage.js';
import type { CostSource, TokenCounts } from './model.js';
import { costMicro, type PriceQuote } from './price.js';

export type QuoteFn = (model: string, provider: string | null, at: number) => PriceQuote | null;

export interface PricedCost {
  costMicro: number | null;
  costSource: CostSource;
  pricing: string | null;
}

/** The override for a model: exact name (case-insensitive), else the longest matching "prefix*"; also tried
 * on the part after the last "/" ("anthropic/claude-x" as a proxy reports it). */
export function overrideQuote(pricing: PricingSpec | undefined, model: string): PriceQuote | null {
  if (!pricing) return null;
  const names = [model.toLowerCase()];
  const slash = model.lastIndexOf('/');
  if (slash !== -1) names.push(model.slice(slash + 1).toLowerCase());
  for (const name of names) {
    const exact = pricing[name];
    if (exact) return { rates: exact, version: `manifest ${name}`, source: 'override' };
    let best: string | null = null;
    for (const key of Object.keys(pricing)) {
      if (
        key.endsWith('*') &&
        name.startsWith(key.slice(0, -1)) &&
        (best === null || key.length > best.length)
      )
        best = key;
    }
    if (best !== null) return { rates: pricing[best]!, version: `manifest ${best}`, source: 'override' };
  }
  return null;
}

export interface PriceInput {
  model: string;
  provider: string | null;
  at: number;
  tokens: TokenCounts;
  requests: number;
  reportedMicro: number | null;
  /** Usage summed over many requests (a scrape window): long-context tiers cannot apply, base rates do. */
  aggregated: boolean;
}

const UNPRICED: PricedCost = Object.freeze({ costMicro: null, costSource: 'unpriced', pricing: null });

export function priceUsage(u: PriceInput, pricing: PricingSpec | undefined, catalog: QuoteFn): PricedCost {
  if (u.reportedMicro !== null)
    return { costMicro: u.reportedMicro, costSource: 'reported', pricing: 'reported' };
  const quote =
    (pricing === undefined ? null : overrideQuote(pricing, u.model)) ?? catalog(u.model, u.provider, u.at);
  if (quote === null) return UNPRICED;
  const cost = u.aggregated
    ? costMicro(quote.rates, u.tokens, u.requests, 0)
    : costMicro(quote.rates, u.tokens, u.requests);
  if (cost === null) return UNPRICED;
  return { costMicro: cost, costSource: quote.source, pricing: quote.version };
}
