/** Spend spikes, runaway services, unpriced models, and the spend the status document shows. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentEnv, type AgentEnv } from '../helpers/usage-agent.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { budgetStatus } from '../../agent/app/usage/query.js';
import { budgetText } from '../../agent/cli/usage-format.js';

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
    assert.match(
      spikes.find((e) => e.data?.scope === 'total')!.message,
      /Spend this hour \(12:00\) is \$2\.50, 2\.5× the trailing hourly average of \$1\.00/,
    );
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

  it('a spike warning earlier in the hour does not hide the hourly cap: each has its own key', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings({ hourlyUsd: 10 });
    for (let h = 1; h <= 24; h++) env.spend('core', 1_000_000, { ts: NOW - h * HOUR }); // $1 an hour
    env.spend('core', 3_000_000); // $3: a spike (3×), under the $10 cap
    await env.round();
    assert.deepEqual(
      types('spend-spike')
        .map((e) => [e.data?.scope, e.severity])
        .sort(),
      [
        ['core', 'warning'],
        ['total', 'warning'],
      ],
    );
    env.spend('core', 13_000_000); // $16 this hour
    await env.clock.advance(10_000);
    await env.round();
    const cap = types('spend-spike').filter((e) => e.data?.overCap === true);
    assert.equal(cap.length, 1, 'the cap fires although the spike key of this hour is taken');
    assert.equal(cap[0]!.severity, 'critical');
    assert.equal(cap[0]!.key, `hourly-cap:2026-11-26T12:10000000`);
    assert.match(cap[0]!.message, /Spend this hour \(12:00\) is \$16\.00, above the hourly cap of \$10\.00/);
    await env.clock.advance(10_000);
    await env.round();
    assert.equal(types('spend-spike').filter((e) => e.data?.overCap === true).length, 1, 'once per hour');
    const b = budgetStatus({ store: env.store, ledger: env.ledger }, env.clock.now());
    assert.equal(b.hourlyUsd, 10);
    assert.deepEqual(b.hour, {
      hour: '2026-11-26T12',
      spendMicro: 16_000_000,
      spendUsd: 16,
      capUsd: 10,
      pct: 160,
    });
    assert.match(budgetText(b, env.clock.now()), /this hour 12:00: \$16\.00 of \$10\.00 \(160\.0 %\)/);
  });
});

describe('runaway services', () => {
  const crashed = (service: string, at: number, n: number): VigilEvent => ({
    id: n,
    key: `c${n}`,
    at,
    service,
    type: 'crashed',
    severity: 'warning',
    message: 'crashed',
  });
  const restarted = (service: string, at: number, n: number): VigilEvent => ({
    id: n,
    key: `r${n}`,
    at,
    service,
    type: 'restarted',
    severity: 'info',
    message: 'restarted',
  });

  it('burn rising together with restarts is a critical runaway alert', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings(null);
    for (let h = 1; h <= 24; h++) env.spend('core', 14_400, { ts: NOW - h * HOUR }); // norm: 240 tokens/min
    env.spend('core', 150_000);
    await env.round([crashed('core', NOW, 1)]);
    await env.clock.advance(10_000);
    env.spend('core', 150_000);
    await env.round([crashed('core', NOW + 10_000, 2)]);
    assert.equal(types('runaway').length, 0, 'two restarts are not a loop yet');
    await env.clock.advance(10_000);
    env.spend('core', 150_000);
    await env.round([crashed('core', NOW + 20_000, 3)]);
    const r = types('runaway');
    assert.equal(r.length, 1);
    assert.equal(r[0]!.severity, 'critical');
    assert.match(
      r[0]!.message,
      /core looks like a runaway: 45000 tokens\/min, 188× its norm of 240\/min, while crashing \(3 crashes in 10 min\)/,
    );
  });

  it('restarts Vigil asked for or the manager did after a crash are not crashes: no runaway from them', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings(null);
    for (let h = 1; h <= 24; h++) env.spend('core', 14_400, { ts: NOW - h * HOUR });
    for (let i = 0; i < 4; i++) {
      env.spend('core', 150_000);
      await env.round([restarted('core', NOW + i * 10_000, i + 1)]);
      await env.clock.advance(10_000);
    }
    assert.equal(types('runaway').length, 0);
  });

  it('a burn far above a real norm for 15 minutes is a runaway; a short burst is not', async () => {
    env = agentEnv(NOW);
    env.addService('core');
    env.settings(null);
    for (let h = 1; h <= 3; h++) env.spend('core', 6_000, { ts: NOW - h * HOUR }); // 3 hours of history: 100 tokens/min
    for (let m = 0; m < 14; m++) {
      env.spend('core', 100_000);
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
    assert.match(types('runaway')[0]!.message, /1000× its norm of 100\/min, for 1[56] min/);
  });

  it('no norm, no runaway: a new service with steady heavy traffic, or 2 hours of history, never pages', async () => {
    env = agentEnv(NOW);
    env.addService('fresh');
    env.addService('young');
    env.settings(null);
    for (let h = 1; h <= 2; h++) env.spend('young', 6_000, { ts: NOW - h * HOUR });
    for (let m = 0; m < 30; m++) {
      env.spend('fresh', 100_000);
      env.spend('young', 100_000);
      await env.clock.advance(60_000);
      await env.round(m < 4 ? [crashed('fresh', env.clock.now(), m + 1)] : []);
    }
    assert.equal(types('runaway').length, 0);
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
    assert.deepEqual(env.watch.summary().services.get('core'), {
      todayMicro: 2_000_000,
      todayUsd: 2,
      unpricedRequests: 3,
      capUsd: 4,
      stoppedForBudget: false,
    });
    assert.deepEqual(env.watch.summary().budget, {
      day: '2026-11-26',
      todayUsd: 2,
      dailyUsd: 10,
      lifted: false,
      pct: 20,
      state: 'ok',
      stopped: [],
    });
  });
});
