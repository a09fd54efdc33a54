/**
 * Budgets that act, end to end: a REAL systemd unit that burns $0.30 of tokens every 0.2 s is stopped by the
 * real agent at its $1 daily cap; `vigil budget resume --add 1` (the real CLI) raises the cap and starts it;
 * the raised cap stops it again; thresholds fire once per cap and period across an agent restart; spend and
 * budget are on /metrics and in `vigil usage` / `vigil status`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { VigilEvent } from '../../agent/core/events.js';
import type { StatusDoc } from '../../agent/core/status.js';
import type { BudgetResumeResponse, BudgetStatusDoc, UsageReport } from '../../agent/core/usage/report.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  FIXTURES,
  makeHome,
  run,
  startAgent,
  waitFor,
  sleep,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { raw } from '../helpers/api-fixture.js';

const EMITTER = path.join(FIXTURES, 'services', 'usage-emitter.sh');

describe('budget enforcement (real systemd, real agent and CLI)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let api: ApiClient;
  const svc = `${uniquePrefix()}-burn`;
  const unit = `vigil-${svc}.service`;

  const events = async (type: string): Promise<VigilEvent[]> =>
    (await api.events({ limit: 10_000, service: svc })).events.filter((e) => e.type === type);
  const isActive = async () =>
    (await run('systemctl', ['--user', 'is-active', unit], t.env, {})).stdout.trim();

  before(async () => {
    t = await makeHome();
    const yaml = `services:
  ${svc}:
    command: [${EMITTER}]
    restart: { policy: always, delaySec: 0.2 }
    usage: { log: true, intervalSec: 1 }
budget:
  timezone: UTC
  services:
    ${svc}: { dailyUsd: 1, onExceed: stop }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  it('stops the unit for real at 100 % of its cap, and says why', async () => {
    const stopped = await waitFor(
      'budget-stopped event',
      async () => (await events('budget-stopped'))[0],
      30_000,
      200,
    );
    assert.match(
      stopped.message,
      new RegExp(`${svc} stopped: Daily cap of ${svc} \\d{4}-\\d{2}-\\d{2} exceeded`),
    );
    await waitFor('unit inactive', async () => (await isActive()) === 'inactive', 10_000);
    const status = await waitFor('stopped in status', async () => {
      const s = (await api.status()).services.find((x) => x.name === svc);
      return s?.state === 'stopped' ? s : undefined;
    });
    assert.equal(status.spend?.stoppedForBudget, true);
    assert.ok((status.spend?.todayUsd ?? 0) >= 1, `spend ${status.spend?.todayUsd}`);
    const budget = await t.json<BudgetStatusDoc>(['budget', 'status']);
    assert.equal(budget.state, 'exceeded');
    assert.deepEqual(
      budget.stopped.map((s) => s.service),
      [svc],
    );
    const thresholds = (await events('budget-threshold')).map((e) => e.data?.threshold);
    assert.ok(thresholds.includes(100), `thresholds fired: ${thresholds.join(', ')}`);
    assert.equal(new Set(thresholds).size, thresholds.length, 'each threshold once');
  });

  it('reports the spend: vigil usage, vigil status, /metrics', async () => {
    const report = await t.json<UsageReport>(['usage']);
    const row = report.rows.find((r) => r.key === svc)!;
    assert.ok(row.costMicro >= 1_000_000);
    assert.equal(row.costMicro % 300_000, 0, 'whole requests of $0.30');
    assert.equal(row.tokens.output, (row.costMicro / 300_000) * 20_000);
    const source = report.sources?.find((x) => x.service === svc && x.kind === 'log');
    assert.ok(
      source?.ok && source.entries > 0 && source.error === null,
      `log source: ${JSON.stringify(source)}`,
    );
    const byModel = await t.json<UsageReport>(['usage', '--by', 'model']);
    assert.equal(byModel.rows[0]!.key, 'claude-sonnet-4-5');
    const text = await t.vigil(['usage']);
    assert.match(text.stdout, new RegExp(`${svc}\\s+\\d+`));
    const status = await t.json<StatusDoc>(['status']);
    assert.ok(status.budget, 'the status document carries the budget glance');
    const metrics = await raw(
      { socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') },
      { path: '/metrics', headers: { host: 'localhost' } },
    );
    assert.equal(metrics.status, 200);
    assert.match(
      metrics.text,
      new RegExp(`vigil_spend_usd_today\\{service="${svc}",model="claude-sonnet-4-5"\\} \\d`),
    );
    assert.match(metrics.text, new RegExp(`vigil_budget_service_daily_usd\\{service="${svc}"\\} 1`));
    assert.match(metrics.text, new RegExp(`vigil_budget_stopped\\{service="${svc}"\\} 1`));
    assert.match(metrics.text, /vigil_budget_state 2/);
  });

  it('thresholds do not fire again after an agent restart', async () => {
    const before = (await events('budget-threshold')).length;
    assert.equal(await agent.stop(), 0);
    agent = await startAgent(t);
    await sleep(3000);
    assert.equal((await events('budget-threshold')).length, before);
    assert.equal((await events('budget-stopped')).length, 1, 'the stopped unit is not stopped again');
  });

  it('vigil budget resume --add 1 raises the cap and starts the unit; the raised cap acts too', async () => {
    const r = await t.json<BudgetResumeResponse>(['budget', 'resume', '--add', '1']);
    assert.deepEqual(r.resumed, [svc]);
    assert.equal(r.raised[0]!.capMicro, 2_000_000);
    await waitFor('unit active again', async () => (await isActive()) === 'active', 10_000);
    assert.equal((await events('budget-resumed')).length, 1);
    const second = await waitFor(
      'stopped again at the raised cap',
      async () => (await events('budget-stopped'))[1],
      30_000,
      200,
    );
    assert.match(second.message, /of \$2\.00\)/);
    await waitFor('unit inactive again', async () => (await isActive()) === 'inactive', 10_000);
    const caps = new Set(
      (await events('budget-threshold'))
        .filter((e) => e.data?.threshold === 100)
        .map((e) => e.data?.capMicro),
    );
    assert.deepEqual([...caps].sort(), [1_000_000, 2_000_000], 'one 100 % alert per cap');
  });

  it('without the agent, the CLI reads the ledger and resumes through systemd itself', async () => {
    await agent.kill();
    const report = await t.json<UsageReport>(['usage', '--by', 'service']);
    assert.ok(report.rows.find((r) => r.key === svc)!.costMicro >= 2_000_000);
    const status = await t.json<BudgetStatusDoc>(['budget', 'status']);
    assert.deepEqual(
      status.stopped.map((s) => s.service),
      [svc],
    );
    const r = await t.json<BudgetResumeResponse>(['budget', 'resume', svc]);
    assert.deepEqual(r.resumed, [svc]);
    assert.equal(r.raised[0]!.lifted, true, 'without --add the cap is lifted for the rest of the day');
    await waitFor('unit active (started by the CLI)', async () => (await isActive()) === 'active', 10_000);
    const bad = await t.vigil(['budget', 'resume', '--add', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--add must be an amount in USD above 0/);
  });
});
