/** The budget calendar (local day, hour, month in a zone) and the spend gauges on /metrics. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Calendar, addDays, dayRange, isDay, isMonth, monthDays } from '../../agent/core/usage/tz.js';
import { registerUsageMetrics } from '../../agent/adapters/metrics/usage-metrics.js';
import { LazyMetrics } from '../../agent/adapters/metrics/lazy-metrics.js';
import { zeroTokens } from '../../agent/core/usage/model.js';

describe('budget calendar', () => {
  it('the budget day starts at local midnight, in the configured zone', () => {
    const paris = new Calendar('Europe/Paris');
    assert.deepEqual(paris.local(Date.UTC(2026, 10, 26, 22, 59)), {
      day: '2026-11-26',
      hour: '2026-11-26T23',
    });
    assert.deepEqual(paris.local(Date.UTC(2026, 10, 26, 23, 0)), {
      day: '2026-11-27',
      hour: '2026-11-27T00',
    });
    assert.equal(new Calendar('UTC').day(Date.UTC(2026, 10, 26, 23, 0)), '2026-11-26');
    // half-hour and 45-minute zones
    assert.equal(new Calendar('Asia/Kolkata').hour(Date.UTC(2026, 0, 1, 18, 29)), '2026-01-01T23');
    assert.equal(new Calendar('Asia/Kolkata').hour(Date.UTC(2026, 0, 1, 18, 30)), '2026-01-02T00');
    assert.equal(new Calendar('Asia/Kathmandu').hour(Date.UTC(2026, 0, 1, 18, 15)), '2026-01-02T00');
  });

  it('follows daylight saving time, and previousHours skips the repeated hour', () => {
    const ny = new Calendar('America/New_York');
    // 2026-03-08: clocks go from 02:00 to 03:00 (UTC-5 → UTC-4)
    assert.equal(ny.hour(Date.UTC(2026, 2, 8, 6, 59)), '2026-03-08T01');
    assert.equal(ny.hour(Date.UTC(2026, 2, 8, 7, 0)), '2026-03-08T03');
    // 2026-11-01: 01:00 happens twice
    const hours = ny.previousHours(Date.UTC(2026, 10, 1, 7, 30), 3);
    assert.deepEqual(hours, ['2026-11-01T00', '2026-11-01T01']);
  });

  it('calendar arithmetic on day strings', () => {
    assert.equal(addDays('2026-02-28', 1), '2026-03-01');
    assert.deepEqual(dayRange('2026-03-02', 3), ['2026-02-28', '2026-03-01', '2026-03-02']);
    assert.deepEqual(monthDays('2028-02'), ['2028-02-01', '2028-02-29']);
    assert.equal(isDay('2026-02-30'), false);
    assert.equal(isDay('2026-02-28'), true);
    assert.equal(isMonth('2026-13'), false);
  });
});

describe('spend and budget on /metrics', () => {
  it('exports spend per service and model, caps, state, stopped services and token counters', async () => {
    const registry = new Registry();
    const lazy = new LazyMetrics(registry);
    const m = registerUsageMetrics(
      {
        today: () => [{ service: 'core', model: 'claude-sonnet-4-5', costMicro: 1_250_000, tokens: 10 }],
        month: () => new Map([['core', 9_500_000]]),
        budget: () => ({
          dailyUsd: 20,
          monthlyUsd: null,
          services: [{ service: 'core', dailyUsd: 1 }],
          state: 'exceeded',
          stopped: ['core'],
        }),
      },
      lazy,
    );
    m.count([
      {
        key: 'k',
        at: 0,
        day: 'd',
        hour: 'h',
        service: 'core',
        model: 'x',
        provider: null,
        source: 'log',
        requests: 2,
        tokens: { ...zeroTokens(), input: 7, output: 3 },
        costMicro: null,
        costSource: 'unpriced',
        pricing: null,
      },
    ]);
    assert.equal(await registry.metrics(), '\n', 'nothing is defined before the first scrape');
    const text = await lazy.text();
    assert.match(text, /vigil_spend_usd_today\{service="core",model="claude-sonnet-4-5"\} 1\.25/);
    assert.match(text, /vigil_spend_usd_month\{service="core"\} 9\.5/);
    assert.match(text, /vigil_budget_daily_usd 20/);
    assert.match(text, /vigil_budget_monthly_usd \+Inf/, 'no monthly budget: unlimited, never 0');
    assert.match(text, /vigil_budget_service_daily_usd\{service="core"\} 1/);
    assert.match(text, /vigil_budget_state 2/);
    assert.match(text, /vigil_budget_stopped\{service="core"\} 1/);
    assert.match(text, /vigil_usage_tokens_total\{service="core",model="x",kind="input"\} 7/);
    assert.match(text, /vigil_usage_unpriced_requests_total\{service="core",model="x"\} 2/);
    m.count([
      {
        key: 'k2',
        at: 0,
        day: 'd',
        hour: 'h',
        service: 'core',
        model: 'x',
        provider: null,
        source: 'log',
        requests: 1,
        tokens: { ...zeroTokens(), input: 5 },
        costMicro: 10,
        costSource: 'computed',
        pricing: null,
      },
    ]);
    const later = await lazy.text();
    assert.match(
      later,
      /vigil_usage_tokens_total\{service="core",model="x",kind="input"\} 12/,
      'counters add up across scrapes',
    );
    assert.match(later, /vigil_usage_unpriced_requests_total\{service="core",model="x"\} 2/);
    m.unregister();
    assert.equal(await lazy.text(), '\n');
  });
});
