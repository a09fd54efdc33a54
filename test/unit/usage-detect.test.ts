/** Spend spikes, runaway services, unpriced models, and the spend the status document shows. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentEnv, type AgentEnv } from '../helpers/usage-agent.js';
import type { VigilEvent } from '../../agent/core/events.js';

let env: AgentEnv;
afterEach(() => env?.close());
const types = (t: string) => env.events.filter((e) => e.type === t);
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 30);

describe('spend spikes', () => {
  it('alerts once per hour when this hour is above 2× the trailing hourly average', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings({ dailyUsd: 1000 });
    for (let h = 1; h <= 24; h++) env.spend('core', 1_000_000, { ts: NOW - h * HOUR }); // $1 in each of the last 24 hours
    env.spend('core', 1_500_000);
    await env.round();
    assert.equal(types('spend-spike').length, 0, '$1.50 is under 2× $1');
    env.spend('core', 1_000_000);
    await env.clock.advance(10_000);
    await env.round();
    const spikes = types('spend-spike');
    assert.deepEqual(spikes.map((e) => e.data?.scope).sort(), ['core', 'total']);
    assert.match(spikes.find((e) => e.data?.scope === 'total')!.message, /Spend this hour \(12:00\) is \$2\.50, 2\.5× the trailing hourly average of \$1\.00/);
    env.spend('core', 5_000_000);
    await env.clock.advance(10_000);
    await env.round();
    assert.equal(types('spend-spike').length, 2, 'once per hour per scope');
    await env.clock.advance(HOUR);
    env.spend('core', 9_000_000);
    await env.round();
    assert.equal(types('spend-spike').length, 4, 'the next hour may alert again');
  });

  it('the hourly cap alerts (critical) even without history; small amounts do not', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings({ hourlyUsd: 2 });
    env.spend('core', 500_000); // under minUsd ($1): no spike despite no history
    await env.round();
    assert.equal(types('spend-spike').length, 0);
    env.spend('core', 2_000_000);
    await env.clock.advance(10_000);
    await env.round();
    const total = types('spend-spike').find((e) => e.data?.scope === 'total')!;
    assert.equal(total.severity, 'critical');
    assert.match(total.message, /above the hourly cap of \$2\.00/);
  });
});

describe('runaway services', () => {
  const restarted = (service: string, at: number, n: number): VigilEvent => ({ id: n, key: `r${n}`, at, service, type: 'restarted', severity: 'info', message: 'restarted' });

  it('burn rising together with restarts is a critical runaway alert', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings(null);
    for (let h = 1; h <= 24; h++) env.spend('core', 14_400, { ts: NOW - h * HOUR }); // norm: 240 tokens/min
    env.spend('core', 150_000);
    await env.round([restarted('core', NOW, 1)]);
    await env.clock.advance(10_000);
    env.spend('core', 150_000);
    await env.round([restarted('core', NOW + 10_000, 2)]);
    assert.equal(types('runaway').length, 0, 'two restarts are not a loop yet');
    await env.clock.advance(10_000);
    env.spend('core', 150_000);
    await env.round([restarted('core', NOW + 20_000, 3)]);
    const r = types('runaway');
    assert.equal(r.length, 1);
    assert.equal(r[0]!.severity, 'critical');
    assert.match(r[0]!.message, /core looks like a runaway: 45000 tokens\/min, 188× its 24-hour norm of 240\/min, while restarting \(3 restarts in 10 min\)/);
  });

  it('a burn far above the norm for 15 minutes is a runaway; a short burst is not', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings(null);
    for (let m = 0; m < 14; m++) {
      env.spend('core', 100_000); // 100k tokens per minute with no history: far above a norm of 0
      await env.clock.advance(60_000);
      await env.round();
    }
    assert.equal(types('runaway').length, 0);
    for (let m = 0; m < 3; m++) {
      env.spend('core', 100_000);
      await env.clock.advance(60_000);
      await env.round();
    }
    assert.equal(types('runaway').length, 1);
    assert.match(types('runaway')[0]!.message, /with no usage in the previous 24 hours, for 1[56] min/);
  });
});

describe('unpriced models and the status document', () => {
  it('an unknown model raises one event ever; its tokens show as unpriced, never as $0 spend', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings({ dailyUsd: 10, services: { core: { dailyUsd: 4 } } });
    env.spend('core', 1_000, { model: 'acme-llm-9000' });
    env.spend('core', 2_000_000);
    await env.round();
    env.spend('core', 1_000, { model: 'acme-llm-9000' });
    await env.clock.advance(10_000);
    await env.round();
    env.restart();
    env.spend('core', 1_000, { model: 'acme-llm-9000' });
    await env.clock.advance(10_000);
    await env.round();
    assert.equal(types('unpriced-model').length, 1);
    assert.match(types('unpriced-model')[0]!.message, /acme-llm-9000 has no known price/);
    assert.deepEqual(env.watch.spendOf('core'), { todayMicro: 2_000_000, todayUsd: 2, unpricedRequests: 3, capUsd: 4, stoppedForBudget: false });
    assert.deepEqual(env.watch.budgetGlance(), { day: '2026-11-26', todayUsd: 2, dailyUsd: 10, pct: 20, state: 'ok', stopped: [] });
  });
});
