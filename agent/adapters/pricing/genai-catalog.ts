/**
 * The PriceCatalog on @pydantic/genai-prices' bundled data (offline: never fetches). The library matches a
 * model name to its table entry (by provider, then by the model name alone; "provider/model" names as a
 * LiteLLM proxy reports them are split); the rates of that entry are cached per model unless they depend on
 * the date or time of day, in which case they are looked up for each moment. The table is loaded on first
 * need: `await ready()` before the first quote.
 *
 * It is loaded from the package's CommonJS build (its `require` export), not its ES module build: the same
 * code and table, minified. V8 keeps a module's whole source text alive beside what it built from it, and
 * the ES build's is 830 KB of indented literals with a few non-Latin-1 characters, so held as a two-byte
 * string: 1.7 MB; the CommonJS build's is 480 KB of one-byte text. 1.2 MB less heap for the life of the
 * agent, once usage is read (test/bench/RESULTS-usage.md §5).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type * as GenaiPrices from '@pydantic/genai-prices';
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

/** The package's entry for `require` (dist/index.cjs). */
export function loadGenaiPrices(): typeof GenaiPrices {
  return createRequire(import.meta.url)('@pydantic/genai-prices') as typeof GenaiPrices;
}

function load(): Promise<void> {
  loading ??= Promise.resolve().then(() => {
    calc = loadGenaiPrices().calcPrice;
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
