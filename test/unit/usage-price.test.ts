/**
 * Exact cost per provider shape, against hand-computed figures (USD per million tokens × tokens = µ$), and
 * against @pydantic/genai-prices' own calculator on random usage.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calcPrice } from '@pydantic/genai-prices';
import { GenaiPriceCatalog } from '../../agent/adapters/pricing/genai-catalog.js';
import { normalizeUsageEvent } from '../../agent/core/usage/normalize.js';
import { priceUsage, overrideQuote } from '../../agent/core/usage/pricer.js';
import { costMicro } from '../../agent/core/usage/price.js';
import { totalInput, zeroTokens, type TokenCounts } from '../../agent/core/usage/model.js';
import { normalizePricing } from '../../agent/core/manifest/usage.js';

const catalog = new GenaiPriceCatalog();
await catalog.ready();
const quote = catalog.quote.bind(catalog);
const AT = Date.UTC(2026, 0, 15);

/** Normalizes an llm_usage event and prices it with the bundled table. */
function price(event: Record<string, unknown>, at = AT) {
  const r = normalizeUsageEvent({ event: 'llm_usage', ...event });
  assert.ok(r && r.ok, `not a valid usage event: ${JSON.stringify(r)}`);
  const u = r.usage;
  return { tokens: u.tokens, ...priceUsage({ ...u, at, requests: 1, aggregated: false }, undefined, quote) };
}

describe('exact cost: Anthropic', () => {
  it('prices 5-minute and 1-hour cache writes and cache reads at 1.25×, 2× and 0.1× of input', () => {
    // claude-sonnet-4-5: input $3, 5m write $3.75, 1h write $6, read $0.30, output $15 per MTok.
    const r = price({
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      usage: {
        input_tokens: 1000,
        cache_creation_input_tokens: 3000,
        cache_read_input_tokens: 20000,
        cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 1000 },
        output_tokens: 500,
      },
    });
    assert.deepEqual(r.tokens, {
      input: 1000,
      cacheWrite: 2000,
      cacheWrite1h: 1000,
      cacheRead: 20000,
      output: 500,
      reasoning: 0,
    });
    // 1000×3 + 2000×3.75 + 1000×6 + 20000×0.3 + 500×15 = 3000 + 7500 + 6000 + 6000 + 7500
    assert.equal(r.costMicro, 30_000);
    assert.equal(r.costSource, 'computed');
    assert.match(r.pricing ?? '', /^genai-prices \S+ claude-sonnet-4-5$/);
  });

  it('a cache write without the TTL split is a 5-minute write', () => {
    const r = price({
      model: 'claude-haiku-4-5',
      usage: { input_tokens: 10, cache_creation_input_tokens: 4000, output_tokens: 100 },
    });
    // haiku 4.5: input $1, 5m write $1.25, output $5 → 10 + 5000 + 500
    assert.equal(r.costMicro, 5_510);
  });

  it('long context: 200,000 input tokens (cache included) is base price; 200,001 reprices every token', () => {
    const under = price({
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: 150_000, cache_read_input_tokens: 50_000, output_tokens: 1000 },
    });
    // 150000×3 + 50000×0.3 + 1000×15
    assert.equal(under.costMicro, 450_000 + 15_000 + 15_000);
    const over = price({
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: 150_001, cache_read_input_tokens: 50_000, output_tokens: 1000 },
    });
    // all tokens at the long-context rates: 150001×6 + 50000×0.6 + 1000×22.5
    assert.equal(over.costMicro, 900_006 + 30_000 + 22_500);
  });
});

describe('exact cost: OpenAI', () => {
  it('Chat Completions: cached tokens are part of prompt_tokens and are counted once', () => {
    // gpt-4o: input $2.50, cached $1.25, output $10 per MTok.
    const r = price({
      model: 'gpt-4o',
      provider: 'openai',
      usage: {
        prompt_tokens: 10_000,
        completion_tokens: 2000,
        total_tokens: 12_000,
        prompt_tokens_details: { cached_tokens: 4000 },
      },
    });
    assert.deepEqual(r.tokens, {
      input: 6000,
      cacheRead: 4000,
      cacheWrite: 0,
      cacheWrite1h: 0,
      output: 2000,
      reasoning: 0,
    });
    assert.equal(r.costMicro, 6000 * 2.5 + 4000 * 1.25 + 2000 * 10);
  });

  it('reasoning tokens are part of completion_tokens and are not billed twice', () => {
    // o3 (since 2025-06-10): input $2, cached $0.50, output $8 per MTok.
    const usage = {
      prompt_tokens: 5000,
      completion_tokens: 3000,
      prompt_tokens_details: { cached_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 2500 },
    };
    const r = price({ model: 'o3', provider: 'openai', usage });
    assert.equal(r.tokens.reasoning, 2500);
    assert.equal(r.tokens.output, 3000);
    assert.equal(r.costMicro, 4000 * 2 + 1000 * 0.5 + 3000 * 8);
    // the price in force at the time of the request: o3 cost $10 / $40 before 2025-06-10
    const before = price({ model: 'o3', provider: 'openai', usage }, Date.UTC(2025, 4, 1));
    assert.equal(before.costMicro, 4000 * 10 + 1000 * 0.5 + 3000 * 40);
  });

  it('Responses API: input_tokens_details.cached_tokens and output_tokens_details.reasoning_tokens', () => {
    // gpt-5: input $1.25, cached $0.125, output $10 per MTok.
    const r = price({
      model: 'gpt-5',
      provider: 'openai',
      usage: {
        input_tokens: 8000,
        input_tokens_details: { cached_tokens: 2000 },
        output_tokens: 1000,
        output_tokens_details: { reasoning_tokens: 600 },
      },
    });
    assert.deepEqual(r.tokens, {
      input: 6000,
      cacheRead: 2000,
      cacheWrite: 0,
      cacheWrite1h: 0,
      output: 1000,
      reasoning: 600,
    });
    assert.equal(r.costMicro, 7500 + 250 + 10_000);
  });

  it('rounds once per request, to the nearest micro-dollar', () => {
    // gpt-4.1-mini: $0.40 in, $1.60 out: 7×0.4 + 3×1.6 = 7.6 µ$ → 8
    assert.equal(price({ model: 'gpt-4.1-mini', input_tokens: 7, output_tokens: 3 }).costMicro, 8);
  });
});

describe('unknown models, overrides, reported costs', () => {
  it('an unknown model is unpriced: cost null (never $0), tokens kept', () => {
    const r = price({ model: 'acme-llm-9000', input_tokens: 1234, output_tokens: 56 });
    assert.equal(r.costMicro, null);
    assert.equal(r.costSource, 'unpriced');
    assert.equal(r.pricing, null);
    assert.equal(r.tokens.input, 1234);
  });

  it('a manifest override wins over the table, by exact name or prefix*, with its long-context tier', () => {
    const pricing = normalizePricing({
      'acme-*': { input: 1, output: 2 },
      'acme-llm-9000': { input: 0.5, output: 1.5, longContext: { aboveInputTokens: 1000, input: 1 } },
      'gpt-4o': { input: 100, output: 100 },
    });
    const t: TokenCounts = { ...zeroTokens(), input: 1000, output: 10 };
    const p = (model: string, tokens = t) =>
      priceUsage(
        { model, provider: null, at: AT, tokens, requests: 1, reportedMicro: null, aggregated: false },
        pricing,
        quote,
      );
    assert.deepEqual(p('acme-llm-9000'), {
      costMicro: 500 + 15,
      costSource: 'override',
      pricing: 'manifest acme-llm-9000',
    });
    assert.equal(p('acme-llm-9000', { ...t, input: 1001 }).costMicro, 1001 + 15);
    assert.deepEqual(p('ACME-other'), {
      costMicro: 1000 + 20,
      costSource: 'override',
      pricing: 'manifest acme-*',
    });
    assert.equal(p('openai/gpt-4o').costMicro, 100_000 + 1000);
    assert.equal(overrideQuote(pricing, 'claude-sonnet-4-5'), null);
  });

  it('a provider-reported cost wins and is marked reported', () => {
    const r = price({
      model: 'claude-sonnet-4-5',
      input_tokens: 1000,
      output_tokens: 10,
      cost_usd: 0.123456,
    });
    assert.deepEqual([r.costMicro, r.costSource, r.pricing], [123_456, 'reported', 'reported']);
  });

  it('a window of many requests (metrics) is priced at base rates, never at a long-context tier', () => {
    const q = quote('claude-sonnet-4-5', 'anthropic', AT)!;
    const t: TokenCounts = { ...zeroTokens(), input: 1_000_000, output: 100_000 };
    assert.equal(costMicro(q.rates, t, 50, 0), 3_000_000 + 1_500_000);
  });
});

describe('agreement with @pydantic/genai-prices calcPrice', () => {
  it('matches its total to the micro-dollar on 2,000 random usages across providers and tiers', () => {
    const models: [string, string][] = [
      ['claude-sonnet-4-5', 'anthropic'],
      ['claude-opus-4-1', 'anthropic'],
      ['claude-haiku-4-5', 'anthropic'],
      ['claude-3-5-haiku-latest', 'anthropic'],
      ['gpt-4o', 'openai'],
      ['gpt-5', 'openai'],
      ['gpt-5.4', 'openai'],
      ['o3', 'openai'],
      ['gemini-2.5-pro', 'google'],
    ];
    let seed = 42;
    const rnd = (max: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % max;
    };
    for (let i = 0; i < 2000; i++) {
      const [model, provider] = models[i % models.length]!;
      const big = rnd(4) === 0;
      const t: TokenCounts = {
        input: rnd(big ? 300_000 : 5000),
        cacheRead: rnd(big ? 100_000 : 3000),
        cacheWrite: rnd(2000),
        cacheWrite1h: rnd(3) === 0 ? rnd(2000) : 0,
        output: rnd(8000),
        reasoning: 0,
      };
      const mine = costMicro(quote(model, provider, AT)!.rates, t, 1);
      const theirs = calcPrice(
        {
          input_tokens: totalInput(t),
          cache_read_tokens: t.cacheRead,
          cache_write_tokens: t.cacheWrite + t.cacheWrite1h,
          cache_write_1h_tokens: t.cacheWrite1h,
          output_tokens: t.output,
        },
        model,
        { providerId: provider, timestamp: new Date(AT) },
      );
      assert.ok(theirs && mine !== null, `${model}: no price`);
      const diff = Math.abs(mine - theirs.total_price * 1e6);
      assert.ok(
        diff <= 0.5 + 1e-6,
        `${model} ${JSON.stringify(t)}: mine ${mine} µ$, calcPrice ${theirs.total_price * 1e6} µ$`,
      );
    }
  });
});
