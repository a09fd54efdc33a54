/**
 * The PriceCatalog on @pydantic/genai-prices' bundled data (offline: never fetches). The library matches a
 * model name to its table entry (by provider, then by the model name alone; "provider/model" names as a
 * LiteLLM proxy reports them are split); the rates of that entry are cached per model unless they depend on
 * the date or time of day, in which case they are looked up for each moment. The table (about 20 MB in
 * memory) is loaded on first need: `await ready()` before the first quote.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { PriceCalculation, calcPrice } from '@pydantic/genai-prices';
import { ratesFromGenai, type PriceQuote } from '../../core/usage/price.js';
import type { PriceCatalog } from '../../ports/price-catalog.js';

function libraryVersion(): string {
  try {
    const main = fileURLToPath(import.meta.resolve('@pydantic/genai-prices'));
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const ZERO = { input_tokens: 0, output_tokens: 0 };

let calc: typeof calcPrice | null = null;
let loading: Promise<void> | null = null;

function load(): Promise<void> {
  loading ??= import('@pydantic/genai-prices').then((m) => {
    calc = m.calcPrice;
  });
  return loading;
}

interface Cached {
  quote: PriceQuote;
  /** Prices that change with the date or time of day are looked up for each moment. */
  timed: boolean;
}

export class GenaiPriceCatalog implements PriceCatalog {
  readonly version = `genai-prices ${libraryVersion()}`;
  private readonly cache = new Map<string, Cached | null>();

  /** Loads the price table (once per process); quote() needs it. */
  ready(): Promise<void> {
    return load();
  }

  quote(model: string, provider: string | null, at: number): PriceQuote | null {
    const key = provider === null ? model : `${provider}\u0000${model}`;
    let hit = this.cache.get(key);
    if (hit === undefined || hit?.timed) {
      const found = this.lookup(model, provider, at);
      hit = found
        ? {
            quote: {
              rates: ratesFromGenai(found.model_price as Record<string, never>),
              version: `${this.version} ${found.model.id}`,
              source: 'computed',
            },
            timed: Array.isArray(found.model.prices),
          }
        : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit === null ? null : hit.quote;
  }

  private lookup(model: string, provider: string | null, at: number): PriceCalculation | null {
    const timestamp = new Date(at);
    const attempts: (string | undefined)[] = [];
    if (provider) attempts.push(provider.toLowerCase());
    if (model.includes('/')) attempts.push('litellm');
    attempts.push(undefined);
    if (calc === null) throw new Error('the price table is not loaded yet (await ready() first)');
    for (const providerId of attempts) {
      try {
        const r = calc(ZERO, model, { ...(providerId ? { providerId } : {}), timestamp });
        if (r) return r;
      } catch {
        // a malformed table entry is as good as none
      }
    }
    return null;
  }
}
