/** Where model prices come from (the bundled @pydantic/genai-prices table in production). Synchronous and offline. */
import type { PriceQuote } from '../core/usage/price.js';

export interface PriceCatalog {
  /** "genai-prices 0.1.8": stored with every cost it computed. */
  readonly version: string;
  /** Loads the table if it is not yet (once); quote() needs it. */
  ready(): Promise<void>;
  /** The rates of a model at a moment (prices change over time), or null when the model is unknown. */
  quote(model: string, provider: string | null, at: number): PriceQuote | null;
}
