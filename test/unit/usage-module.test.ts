/** The usage AgentModule: ingests on afterTick, decorates the status, and notifies through the monitor's channels. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createUsageModule, UsageModule } from '../../agent/daemon/usage-module.js';
import type { AgentModule, AgentRuntime } from '../../agent/daemon/module.js';
import type { Notification } from '../../agent/core/alerts/model.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { USAGE_SETTINGS_KEY } from '../../agent/app/usage/settings.js';
import { budgetSchema, normalizeBudget } from '../../agent/core/manifest/usage.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeManager } from '../helpers/usage-agent.js';
import { serviceStatus } from '../helpers/api-fixture.js';
import { tempDbPath } from '../helpers/temp-db.js';

describe('usage module', () => {
  it('ingests after a tick, shows spend in the status, and sends budget alerts as notifications', async () => {
    const dbFile = tempDbPath();
    const home = path.dirname(dbFile);
    const store = SqliteStore.open(dbFile);
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 12));
    const manager = new FakeManager();
    const sent: Notification[] = [];
    const monitor = {
      name: 'monitor',
      alerting: { notify: (n: Notification) => sent.push(n) },
    } as unknown as AgentModule;
    const services = {
      ctx: { env: {}, paths: vigilPaths({ VIGIL_HOME: home }) },
      store,
      clock,
      manager: manager.asManager(),
      supervisor: {
        // Like Supervisor.record: stores, then hands the new rows to `then` (at once: nothing is locked here).
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
    const spec = {
      name: 'core',
      command: ['/bin/true'],
      restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
      usage: { metrics: false, log: {}, provider: 'anthropic', intervalSec: 1 },
    } as unknown as ServiceSpec;
    store.upsertService({
      name: 'core',
      unit: 'vigil-core.service',
      spec,
      hash: 'h',
      installedAt: 0,
      updatedAt: 0,
    });
    store.setState(USAGE_SETTINGS_KEY, {
      budget: normalizeBudget(
        budgetSchema.parse({
          timezone: 'UTC',
          dailyUsd: 0.01,
          services: { core: { dailyUsd: 0.01, onExceed: 'stop' } },
        }),
      ),
      pricing: null,
    });
    fs.mkdirSync(path.join(home, 'logs'), { recursive: true });
    // claude-sonnet-4-5: 1000 output tokens × $15/MTok = $0.015
    fs.writeFileSync(
      path.join(home, 'logs', 'core.log'),
      `${JSON.stringify({ event: 'llm_usage', model: 'claude-sonnet-4-5', request_id: 'r1', input_tokens: 0, output_tokens: 1000 })}\n`,
    );

    const [mod] = createUsageModule(services, [monitor], { evaluateEveryMs: 1000 });
    assert.ok(mod instanceof UsageModule);
    mod.start?.();
    try {
      mod.afterTick!({ services: [serviceStatus('core')] }, []);
      await mod.watch.idle();
      const doc = mod.decorateStatus!({ services: [serviceStatus('core')] });
      assert.deepEqual(doc.services[0]!.spend, {
        todayMicro: 15_000,
        todayUsd: 0.015,
        unpricedRequests: 0,
        capUsd: 0.01,
        stoppedForBudget: true,
      });
      assert.deepEqual(doc.budget, {
        day: '2026-11-26',
        todayUsd: 0.015,
        dailyUsd: 0.01,
        lifted: false,
        pct: 150,
        state: 'exceeded',
        stopped: ['core'],
      });
      assert.deepEqual(manager.calls, ['stop core']);
      const kinds = sent.map((n) => [n.severity, n.title]);
      assert.deepEqual(kinds.sort(), [
        ['critical', 'Daily budget 2026-11-26: $0.0150 of $0.0100 spent'],
        ['critical', 'Daily cap of core 2026-11-26: $0.0150 of $0.0100 spent'],
        ['critical', 'core stopped: Daily cap of core 2026-11-26 exceeded'],
      ]);
      assert.ok(sent.every((n) => n.kind === 'firing' && n.id.startsWith('usage:')));
    } finally {
      await mod.stop?.();
      store.close();
    }
  });
});
