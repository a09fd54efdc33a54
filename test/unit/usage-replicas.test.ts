/**
 * Usage of a replicated service: each instance's log read on its own, every entry under the service's name,
 * the spend in the status's group, and a cap on the service stopping all its instances.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createUsageModule, UsageModule } from '../../agent/daemon/usage-module.js';
import type { AgentModule, AgentRuntime } from '../../agent/daemon/module.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { USAGE_SETTINGS_KEY } from '../../agent/app/usage/settings.js';
import { budgetSchema, normalizeBudget } from '../../agent/core/manifest/usage.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { expandReplicas } from '../../agent/core/manifest/replicas.js';
import { withGroups } from '../../agent/core/replicas-status.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeManager } from '../helpers/usage-agent.js';
import { serviceStatus } from '../helpers/api-fixture.js';
import { tempDbPath } from '../helpers/temp-db.js';

it('sums the usage of two replicas under the service, and its cap stops both', async () => {
  const dbFile = tempDbPath();
  const home = path.dirname(dbFile);
  const store = SqliteStore.open(dbFile);
  const clock = new FakeClock(Date.UTC(2026, 10, 26, 12));
  const manager = new FakeManager();
  const services = {
    ctx: { env: {}, paths: vigilPaths({ VIGIL_HOME: home }) },
    store,
    clock,
    manager: manager.asManager(),
    supervisor: {
      record: (
        events: Parameters<SqliteStore['appendEvents']>[0],
        then?: (rows: ReturnType<SqliteStore['appendEvents']>) => void,
      ) => {
        const rows = store.appendEvents(events);
        then?.(rows);
        return rows;
      },
    },
    logger: pino({ level: 'silent' }),
  } as unknown as AgentRuntime;
  const base = {
    name: 'wk',
    replicas: 2,
    command: ['/bin/true'],
    env: {},
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    usage: { metrics: false, log: {}, provider: 'anthropic', intervalSec: 1 },
  } as unknown as ServiceSpec;
  const instances = expandReplicas([base]);
  for (const spec of instances)
    store.upsertService({
      name: spec.name,
      unit: `vigil-${spec.name}.service`,
      spec,
      hash: 'h',
      installedAt: 0,
      updatedAt: 0,
    });
  store.setState(USAGE_SETTINGS_KEY, {
    budget: normalizeBudget(
      budgetSchema.parse({ timezone: 'UTC', services: { wk: { dailyUsd: 0.02, onExceed: 'stop' } } }),
    ),
    pricing: null,
  });
  fs.mkdirSync(path.join(home, 'logs'), { recursive: true });
  // claude-sonnet-4-5 at $15/MTok: 1000 output tokens = $0.015 in each replica; the same request id in
  // both is still two requests (each instance's lines are its own).
  for (const i of [1, 2])
    fs.writeFileSync(
      path.join(home, 'logs', `wk@${i}.log`),
      `${JSON.stringify({ event: 'llm_usage', model: 'claude-sonnet-4-5', request_id: 'r1', input_tokens: 0, output_tokens: 1000 })}\n`,
    );
  const monitor = { name: 'monitor', alerting: { notify: () => undefined } } as unknown as AgentModule;
  const [mod] = createUsageModule(services, [monitor], { evaluateEveryMs: 1000 });
  assert.ok(mod instanceof UsageModule);
  mod.start?.();
  try {
    const rows = instances.map((s) => ({ ...serviceStatus(s.name), group: 'wk', replica: s.replica!.index }));
    mod.afterTick!({ services: rows }, []);
    await mod.watch.idle();
    const totals = store.ledgers.usage().totals('2026-11-26', '2026-11-26', 'service');
    assert.deepEqual(
      totals.map((t) => [t.key, t.requests, t.costMicro]),
      [['wk', 2, 30_000]],
    );
    const doc = mod.decorateStatus!(withGroups({ services: rows }));
    assert.equal(doc.groups?.[0]?.spend?.todayMicro, 30_000);
    assert.equal(doc.groups?.[0]?.spend?.capUsd, 0.02);
    assert.deepEqual(manager.calls, ['stop wk@1', 'stop wk@2']);
  } finally {
    await mod.stop?.();
    store.close();
  }
});
