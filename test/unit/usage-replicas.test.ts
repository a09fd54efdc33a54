/**
 * Usage of a replicated service: each instance's log read on its own, every entry under the service's name,
 * the spend in the status's group, and a cap on the service stopping all its instances.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageModule } from '../../agent/daemon/usage-module.js';
import { createUsageModule } from '../../agent/daemon/usage-factory.js';
import type { AgentModule } from '../../agent/daemon/module.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { expandReplicas } from '../../agent/core/manifest/replicas.js';
import { usageModuleBed } from '../helpers/usage-agent.js';
import { serviceStatus } from '../helpers/api-fixture.js';

it('sums the usage of two replicas under the service, and its cap stops both', async () => {
  const bed = usageModuleBed();
  const { store, manager } = bed;
  const base = {
    name: 'wk',
    replicas: 2,
    command: ['/bin/true'],
    env: {},
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    usage: { metrics: false, log: {}, provider: 'anthropic', intervalSec: 1 },
  } as unknown as ServiceSpec;
  const instances = expandReplicas([base]);
  bed.install(instances);
  bed.setBudget({ timezone: 'UTC', services: { wk: { dailyUsd: 0.02, onExceed: 'stop' } } });
  // claude-sonnet-4-5 at $15/MTok: 1000 output tokens = $0.015 in each replica; the same request id in
  // both is still two requests (each instance's lines are its own).
  for (const i of [1, 2]) bed.writeUsage(`wk@${i}`, 'r1', 1000);
  const monitor = { name: 'monitor', alerting: { notify: () => undefined } } as unknown as AgentModule;
  const [mod] = createUsageModule(bed.runtime, [monitor], { evaluateEveryMs: 1000 });
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
    bed.runtime.status.setBase({ services: rows });
    const doc = bed.runtime.status.current();
    assert.equal(doc.groups?.[0]?.spend?.todayMicro, 30_000);
    assert.equal(doc.groups?.[0]?.spend?.capUsd, 0.02);
    assert.deepEqual(manager.calls, ['stop wk@1', 'stop wk@2']);
  } finally {
    await mod.stop?.();
    store.close();
  }
});
