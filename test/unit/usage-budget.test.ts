/** Budgets that act: thresholds once per period (across restarts), enforcement, resume, new periods. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentEnv, type AgentEnv } from '../helpers/usage-agent.js';
import { budgetStatus } from '../../agent/app/usage/query.js';
import { loadStopped } from '../../agent/app/usage/settings.js';

let env: AgentEnv;
afterEach(() => env?.close());

const types = (t: string) => env.events.filter((e) => e.type === t);
/** The next round, 10 s later (every source is due again). */
const later = async () => {
  await env.clock.advance(10_000);
  await env.round();
};

describe('budget thresholds', () => {
  it('fire once per period, the highest reached only, and not again after an agent restart', async () => {
    env = agentEnv();
    env.addService('core');
    env.settings({ dailyUsd: 1, thresholds: [50, 80, 100] });
    env.spend('core', 600_000); // $0.60: 60 %
    await env.round();
    assert.deepEqual(
      types('budget-threshold').map((e) => [e.data?.threshold, e.severity]),
      [[50, 'warning']],
    );
    env.spend('core', 500_000); // $1.10: past 80 and 100 at once: one critical alert
    await later();
    assert.deepEqual(
      types('budget-threshold').map((e) => e.data?.threshold),
      [50, 100],
    );
    assert.equal(types('budget-threshold')[1]!.severity, 'critical');
    assert.match(
      types('budget-threshold')[1]!.message,
      /Daily budget 2026-11-26: \$1\.10 of \$1\.00 spent \(110 %/,
    );
    env.spend('core', 100_000);
    await later();
    env.restart();
    await later();
    await later();
    assert.equal(types('budget-threshold').length, 2, 'no repeat in the same period, even after a restart');
    assert.equal(env.store.queryEvents({ types: ['budget-threshold'] }).length, 2);
    // the next day (UTC here) is a new period
    await env.clock.set(Date.UTC(2026, 10, 27, 0, 5));
    await env.round();
    assert.equal(types('budget-threshold').length, 2);
    env.spend('core', 900_000);
    await later();
    const last = types('budget-threshold').at(-1)!;
    assert.deepEqual([last.data?.period, last.data?.threshold], ['2026-11-27', 80]);
  });

  it('the monthly budget and the month boundary follow the configured time zone', async () => {
    env = agentEnv(Date.UTC(2026, 10, 30, 22, 30)); // 23:30 in Paris (UTC+1), 30 Nov
    env.addService('core');
    env.settings({ monthlyUsd: 2, timezone: 'Europe/Paris', thresholds: [100] });
    env.spend('core', 2_000_000);
    await env.round();
    assert.equal(types('budget-threshold')[0]!.data?.period, '2026-11');
    await env.clock.set(Date.UTC(2026, 10, 30, 23, 30)); // 00:30 on 1 Dec in Paris
    env.spend('core', 2_000_000);
    await env.round();
    assert.deepEqual(
      types('budget-threshold').map((e) => e.data?.period),
      ['2026-11', '2026-12'],
    );
  });
});

describe('enforcement', () => {
  it('stops a service at 100 % of its cap, once, and resume --add raises the cap and starts it', async () => {
    env = agentEnv();
    env.addService('core');
    env.addService('other');
    env.settings({ services: { core: { dailyUsd: 1, onExceed: 'stop' } }, thresholds: [100] });
    env.spend('core', 1_000_000);
    env.spend('other', 5_000_000);
    await env.round();
    assert.deepEqual(env.manager.calls, ['stop core']);
    assert.equal(types('budget-stopped').length, 1);
    assert.match(
      types('budget-stopped')[0]!.message,
      /core stopped: Daily cap of core 2026-11-26 exceeded \(\$1\.00 of \$1\.00\)/,
    );
    assert.equal(loadStopped(env.store).core?.scope, 'service:core');
    env.states.core = 'stopped';
    await later();
    assert.deepEqual(env.manager.calls, ['stop core'], 'already stopped: nothing more');
    // restarted by hand while still over its cap: stopped again
    env.states.core = 'running';
    await later();
    assert.deepEqual(env.manager.calls, ['stop core', 'stop core']);
    env.states.core = 'stopped';

    const r = await env.watch.resume({ addUsd: 0.5 });
    assert.deepEqual(r.resumed, ['core']);
    assert.deepEqual(r.raised, [
      { scope: 'service:core', period: '2026-11-26', capMicro: 1_500_000, lifted: false },
    ]);
    assert.deepEqual(env.manager.calls.slice(2), ['start core']);
    assert.equal(types('budget-resumed').length, 1);
    env.states.core = 'running';
    env.spend('core', 400_000); // $1.40 of $1.50
    await later();
    assert.equal(env.manager.calls.length, 3, 'under the raised cap');
    env.spend('core', 100_000); // $1.50
    await later();
    assert.deepEqual(env.manager.calls.slice(3), ['stop core'], 'the raised cap acts too');
    assert.equal(types('budget-threshold').length, 2, 'one 100 % alert per cap');
  });

  it('resume without --add lifts the cap for the rest of the day; the next day enforces again', async () => {
    env = agentEnv();
    env.addService('core');
    env.settings({ services: { core: { dailyUsd: 1, onExceed: 'stop' } } });
    env.spend('core', 2_000_000);
    await env.round();
    env.states.core = 'stopped';
    await env.watch.resume({});
    env.states.core = 'running';
    env.spend('core', 2_000_000);
    await later();
    assert.deepEqual(env.manager.calls, ['stop core', 'start core']);
    assert.equal(
      budgetStatus({ store: env.store, ledger: env.ledger }, env.clock.now()).scopes[0]!.lifted,
      true,
    );
    await env.clock.set(Date.UTC(2026, 10, 27, 9));
    env.spend('core', 1_000_000);
    await env.round();
    assert.deepEqual(env.manager.calls, ['stop core', 'start core', 'stop core']);
  });

  it('the global budget stops the services listed for it; a new day starts them again', async () => {
    env = agentEnv();
    for (const s of ['core', 'worker', 'proxy']) env.addService(s);
    env.settings({ dailyUsd: 2, onExceed: 'stop', stop: ['core', 'worker'] });
    env.spend('core', 1_500_000);
    env.spend('proxy', 600_000);
    await env.round();
    assert.deepEqual(env.manager.calls.sort(), ['stop core', 'stop worker']);
    env.states.core = env.states.worker = 'stopped';
    const status = budgetStatus({ store: env.store, ledger: env.ledger }, env.clock.now());
    assert.equal(status.state, 'exceeded');
    assert.deepEqual(status.stopped.map((s) => s.service).sort(), ['core', 'worker']);
    await env.clock.set(Date.UTC(2026, 10, 27, 0, 1));
    await env.round();
    assert.deepEqual(env.manager.calls.slice(2).sort(), ['start core', 'start worker']);
    assert.deepEqual(loadStopped(env.store), {});
    assert.equal(types('budget-resumed').length, 2);
  });

  it('alert-only caps never stop anything', async () => {
    env = agentEnv();
    env.addService('core');
    env.settings({ dailyUsd: 1, services: { core: { dailyUsd: 0.5 } } });
    env.spend('core', 3_000_000);
    await env.round();
    assert.deepEqual(env.manager.calls, []);
    assert.equal(types('budget-threshold').filter((e) => e.severity === 'critical').length, 2);
  });
});
