/**
 * One cap everywhere: after `vigil budget resume --add`, the budget status, `vigil budget` (header and
 * table), the status glance (dashboard header, tray), each service's spend, and /metrics all show the
 * raised cap, taken from effectiveCap; after a resume without --add, all say it is lifted.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { agentEnv, type AgentEnv } from '../helpers/usage-agent.js';
import { budgetStatus, metricsBudget } from '../../agent/app/usage/query.js';
import { budgetText } from '../../agent/cli/usage-format.js';
import { registerUsageMetrics } from '../../agent/adapters/metrics/usage-metrics.js';
import { LazyMetrics } from '../../agent/adapters/metrics/lazy-metrics.js';
import { budgetScopes, effectiveCap } from '../../agent/core/usage/budget.js';
import { budgetSchema, normalizeBudget } from '../../agent/core/manifest/usage.js';

let env: AgentEnv;
afterEach(() => env?.close());

const status = () => budgetStatus({ store: env.store, ledger: env.ledger }, env.clock.now());

async function scraped(): Promise<string> {
  const lazy = new LazyMetrics(new Registry());
  registerUsageMetrics(
    { today: () => [], month: () => new Map(), budget: () => metricsBudget(status()) },
    lazy,
  );
  return lazy.text();
}

/** Every place a cap is shown, as numbers (USD), and whether each says lifted. */
async function everyCap(service: string) {
  await env.round();
  const b = status();
  const text = budgetText(b, env.clock.now());
  const header = /today \S+: \$[\d.]+ of \$([\d.]+)( \(lifted\))?/.exec(text);
  const row = /^Daily budget\s+\S+\s+\$[\d.]+\s+\$([\d.]+)( \(lifted\))?/m.exec(text);
  const metric = /^vigil_budget_daily_usd (\S+)$/m.exec(await scraped());
  const serviceMetric = new RegExp(
    `^vigil_budget_service_daily_usd\\{service="${service}"\\} (\\S+)$`,
    'm',
  ).exec(await scraped());
  const glance = env.watch.summary().budget;
  return {
    status: [b.dailyUsd, b.dailyLifted],
    cliHeader: [Number(header?.[1]), header?.[2] !== undefined],
    cliTable: [Number(row?.[1]), row?.[2] !== undefined],
    glance: [glance?.dailyUsd, glance?.lifted],
    metric: Number(metric?.[1]),
    serviceCap: [env.watch.summary().services.get(service)?.capUsd, Number(serviceMetric?.[1])],
  };
}

describe('one effective cap', () => {
  it('resume --add raises the cap shown by status, CLI header and table, glance, service spend and /metrics', async () => {
    env = agentEnv();
    env.addService('core');
    env.settings({
      dailyUsd: 1,
      onExceed: 'stop',
      stop: ['core'],
      services: { core: { dailyUsd: 0.8, onExceed: 'alert' } },
      thresholds: [100],
    });
    env.states.core = 'running';
    env.spend('core', 1_000_000); // $1.00: both caps reached
    assert.deepEqual(await everyCap('core'), {
      status: [1, false],
      cliHeader: [1, false],
      cliTable: [1, false],
      glance: [1, false],
      metric: 1,
      serviceCap: [0.8, 0.8],
    });
    await env.watch.resume({ addUsd: 0.5 });
    assert.deepEqual(await everyCap('core'), {
      status: [1.5, false],
      cliHeader: [1.5, false],
      cliTable: [1.5, false],
      glance: [1.5, false],
      metric: 1.5,
      // The service's own cap was at 100 % too, over the stopped service: raised with it.
      serviceCap: [1.3, 1.3],
    });
    env.spend('core', 1_000_000); // $2.00: over both again, and stopped again
    await env.clock.advance(10_000);
    await env.round();
    await env.watch.resume({ addUsd: 1, services: ['core'] });
    const raised = await everyCap('core');
    assert.equal(raised.metric, 2.5, 'a second --add adds up');
    assert.deepEqual(raised.serviceCap, [2.3, 2.3]);
    await env.watch.resume({});
    assert.deepEqual((await everyCap('core')).cliHeader, [2.5, true]);
    const lifted = await everyCap('core');
    assert.deepEqual(
      [lifted.status, lifted.cliTable, lifted.glance],
      [
        [2.5, true],
        [2.5, true],
        [2.5, true],
      ],
    );
    assert.equal(lifted.metric, 2.5, 'a lifted cap still alerts at its amount');
  });

  it('effectiveCap: the manifest cap plus the period override; null without such a cap', () => {
    const spec = normalizeBudget(budgetSchema.parse({ dailyUsd: 2, timezone: 'UTC' }));
    const snap = { day: '2026-11-26', month: '2026-11', dayTotal: 0, monthTotal: 0, dayByService: new Map() };
    const scopes = budgetScopes(spec, snap, { 'daily@2026-11-26': { addMicro: 250_000, lifted: false } });
    assert.deepEqual(effectiveCap(scopes, 'daily'), { capMicro: 2_250_000, capUsd: 2.25, lifted: false });
    assert.equal(effectiveCap(scopes, 'monthly'), null);
    const other = budgetScopes(
      spec,
      { ...snap, day: '2026-11-27' },
      { 'daily@2026-11-26': { addMicro: 1, lifted: true } },
    );
    assert.deepEqual(
      effectiveCap(other, 'daily'),
      { capMicro: 2_000_000, capUsd: 2, lifted: false },
      'a new day',
    );
  });
});
