/** The usage AgentModule: ingests on afterTick, publishes its part of the status, and notifies through the monitor's channels. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageModule } from '../../agent/daemon/usage-module.js';
import { createUsageModule } from '../../agent/daemon/usage-factory.js';
import type { AgentModule } from '../../agent/daemon/module.js';
import type { Notification } from '../../agent/core/alerts/model.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { usageModuleBed } from '../helpers/usage-agent.js';
import { serviceStatus } from '../helpers/api-fixture.js';

describe('usage module', () => {
  it('ingests after a tick, shows spend in the status, and sends budget alerts as notifications', async () => {
    const bed = usageModuleBed();
    const { store, manager } = bed;
    const sent: Notification[] = [];
    const monitor = {
      name: 'monitor',
      alerting: { notify: (n: Notification) => sent.push(n) },
    } as unknown as AgentModule;
    bed.install([
      {
        name: 'core',
        command: ['/bin/true'],
        restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
        usage: { metrics: false, log: {}, provider: 'anthropic', intervalSec: 1 },
      } as unknown as ServiceSpec,
    ]);
    bed.setBudget({
      timezone: 'UTC',
      dailyUsd: 0.01,
      services: { core: { dailyUsd: 0.01, onExceed: 'stop' } },
    });
    // claude-sonnet-4-5: 1000 output tokens × $15/MTok = $0.015
    bed.writeUsage('core', 'r1', 1000);

    const [mod] = createUsageModule(bed.runtime, [monitor], { evaluateEveryMs: 1000 });
    assert.ok(mod instanceof UsageModule);
    mod.start?.();
    try {
      mod.afterTick!({ services: [serviceStatus('core')] }, []);
      await mod.watch.idle();
      bed.runtime.status.setBase({ services: [serviceStatus('core')] });
      const doc = bed.runtime.status.current();
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
