/**
 * `vigil demo` at its default pace (no VIGIL_DEMO_*): the daily budget is small enough that the 80 % alert
 * fires within a few minutes (issue 15 item 1), as the demo's own simulated calls are priced by Vigil's
 * bundled price table. The calls are drawn the way resources/demo/ draws them — its own tier table, tier
 * picker and token ranges, the proxy's prompt cache (warm after the first call, 95 % of the time), its
 * 2 % error rate — with a seeded Math.random, each call at the agent's pace; demo-worker's rounds add
 * theirs. The e2e run (test/e2e/demo.test.ts) sees the alert at a faster pace set through VIGIL_DEMO_*.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_TIMINGS } from '../../agent/cli/demo/manifest.js';
import { GenaiPriceCatalog } from '../../agent/adapters/pricing/genai-catalog.js';
import { priceUsage } from '../../agent/core/usage/pricer.js';
import { ROOT } from '../helpers/vigil.js';

interface Tier {
  model: string;
  input: [number, number];
  output: [number, number];
  cached: [number, number];
  latency: [number, number];
}
const lib = (await import(pathToFileURL(path.join(ROOT, 'resources', 'demo', 'lib.mjs')).href)) as {
  TIERS: Record<string, Tier>;
  pickTier: () => string;
  randInt: (lo: number, hi: number) => number;
};
const catalog = new GenaiPriceCatalog();
await catalog.ready();
const quote = catalog.quote.bind(catalog);

/** Math.random replaced by a seeded generator (mulberry32) while fn runs. */
function seeded<T>(seed: number, fn: () => T): T {
  const real = Math.random;
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return fn();
  } finally {
    Math.random = real;
  }
}

/** Seconds from the start until the day's spend reaches `share` of the budget (Infinity past an hour). */
function secondsTo(share: number, seed: number): number {
  return seeded(seed, () => {
    const warm = new Set<string>();
    const usd = (tier: Tier, input: number) => {
      if (Math.random() < 0.02) return 0; // the proxy's ordinary error rate (no incident in the first 5 min)
      const cached = lib.randInt(...tier.cached);
      const hot = warm.has(tier.model) && Math.random() > 0.05;
      warm.add(tier.model);
      const tokens = {
        input,
        output: lib.randInt(...tier.output),
        cacheRead: hot ? cached : 0,
        cacheWrite: hot ? 0 : cached,
        cacheWrite1h: 0,
        reasoning: 0,
      };
      const c = priceUsage(
        {
          model: tier.model,
          provider: 'anthropic',
          at: Date.now(),
          tokens,
          requests: 1,
          reportedMicro: null,
          aggregated: false,
        },
        undefined,
        quote,
      );
      assert.ok(c.costMicro !== null, `${tier.model} is priced by the bundled table`);
      return c.costMicro / 1e6;
    };
    const goal = share * DEFAULT_TIMINGS.budgetUsd;
    let spent = 0;
    for (let ms = 0; ms <= 3_600_000; ms += 100) {
      if (ms > 0 && ms % DEFAULT_TIMINGS.callMs === 0) {
        const tier = lib.TIERS[lib.pickTier()]!;
        spent += usd(tier, lib.randInt(...tier.input));
      }
      if (ms % DEFAULT_TIMINGS.workerMs === 0)
        spent += usd(lib.TIERS.fast!, lib.randInt(3, 40) * lib.randInt(150, 600));
      if (spent >= goal) return ms / 1000;
    }
    return Infinity;
  });
}

describe('vigil demo: the default pace', () => {
  it('the agent is not held back by its concurrency (calls end faster than they start)', () => {
    // Little's law: calls in flight = start rate × mean latency, under the cap of DEMO_CONCURRENCY.
    const share = { fast: 0.55, standard: 0.37, complex: 0.08 } as Record<string, number>;
    const meanLatency = Object.entries(lib.TIERS).reduce(
      (s, [name, t]) => s + share[name]! * ((t.latency[0] + t.latency[1]) / 2),
      0,
    );
    const inFlight = (meanLatency * 1000) / DEFAULT_TIMINGS.callMs;
    assert.ok(
      inFlight < DEFAULT_TIMINGS.concurrency * 0.6,
      `${inFlight.toFixed(2)} calls in flight on average`,
    );
  });

  it('spend reaches 80 % of the daily budget within a few minutes (at most 4), whatever the draw', () => {
    const times = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((seed) => secondsTo(0.8, seed));
    const worst = Math.max(...times);
    console.log(
      `# 80 % of $${DEFAULT_TIMINGS.budgetUsd} reached after ${Math.min(...times)}–${worst} s (12 draws)`,
    );
    assert.ok(worst <= 240, `the 80 % alert would fire only after ${worst} s`);
    // Not at once either: the budget notice comes after the stack has been seen running.
    assert.ok(Math.min(...times) >= 20, `80 % after ${Math.min(...times)} s`);
  });
});
