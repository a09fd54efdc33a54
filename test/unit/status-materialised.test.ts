/**
 * The status document materialised from published parts (daemon/status-doc.ts, core/status-parts.ts) is
 * byte for byte the document the modules' decorations gave per request: the same fields in the same
 * order, over replicas, a process that is gone, probes, samples, scrapes, spend and a full disk.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pino } from 'pino';
import { HealthMonitor } from '../../agent/app/health-monitor.js';
import { ResourceMonitor } from '../../agent/app/resource-monitor.js';
import { MetricAlerts } from '../../agent/app/metric-alerts.js';
import { DiskWatch } from '../../agent/app/disk-watch.js';
import { MemoryWatch } from '../../agent/daemon/memory-watch.js';
import { createUsageModule, UsageModule } from '../../agent/daemon/usage-module.js';
import { StatusHolder } from '../../agent/daemon/status-doc.js';
import { withGroups } from '../../agent/core/replicas-status.js';
import { expandReplicas } from '../../agent/core/manifest/replicas.js';
import type { AgentModule } from '../../agent/daemon/module.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { ProbeResult } from '../../agent/core/health/probe.js';
import type { ServiceRecord } from '../../agent/ports/store.js';
import { usageModuleBed } from '../helpers/usage-agent.js';
import { serviceStatus } from '../helpers/api-fixture.js';

const MiB = 1024 ** 2;

it('the materialised document equals the per-request decoration, field for field and in order', async () => {
  const bed = usageModuleBed();
  const { store, clock } = bed;
  const holder = new StatusHolder();
  bed.runtime.status = holder;
  const wk = {
    name: 'wk',
    replicas: 2,
    command: ['/bin/true'],
    env: {},
    limits: { memoryBytes: 64 * MiB },
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    usage: { metrics: false, log: {}, provider: 'anthropic', intervalSec: 1 },
  } as unknown as ServiceSpec;
  const health = { probe: { kind: 'http', url: 'http://web/healthz' }, intervalSec: 5, timeoutSec: 1 };
  const web = {
    name: 'web',
    command: ['/bin/true'],
    env: {},
    limits: {},
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    health,
    metrics: { url: 'http://web/metrics' },
    metricAlerts: { errorRate: { above: 0.5, forSec: 60, windowSec: 300 } },
  } as unknown as ServiceSpec;
  bed.install([...expandReplicas([wk]), web]);
  bed.setBudget({ timezone: 'UTC', dailyUsd: 1, services: { wk: { dailyUsd: 0.02, onExceed: 'alert' } } });
  bed.writeUsage('wk@1', 'r1', 1000);

  const row = (name: string, over: Partial<ServiceStatus>): ServiceStatus => ({
    ...serviceStatus(name),
    ...over,
  });
  const base: StatusDoc = {
    services: [
      row('web', { pid: 100, memoryBytes: 5 * MiB, cpuNsec: 1 }),
      row('wk@1', { group: 'wk', replica: 1, pid: 200 }),
      row('wk@2', { group: 'wk', replica: 2, pid: null, state: 'failed' }),
      row('api', { pid: 300, state: 'running' }),
    ],
  };

  // The modules' state, built through their own code paths.
  const monitor = { name: 'monitor', alerting: { notify: () => undefined } } as unknown as AgentModule;
  const [usage] = createUsageModule(bed.runtime, [monitor], { evaluateEveryMs: 1000 });
  assert.ok(usage instanceof UsageModule);
  const memory = new MemoryWatch({
    manager: { restart: async () => undefined, stop: async () => undefined },
    store,
    clock,
    logger: pino({ level: 'silent' }),
    exitsPath: path.join(bed.home, 'state', 'exits.log'),
    enforcement: 'systemd',
    status: holder,
  });
  let answer: ProbeResult = {
    health: 'down',
    httpStatus: 503,
    latencyMs: 12,
    reported: 'starting',
    checks: { db: 'down' },
    error: 'HTTP 503',
    at: clock.now(),
  };
  const hm = new HealthMonitor({ probe: async () => answer }, {}, () => holder.publish('health', hm.part()));
  let cpu = 1e9;
  const rm = new ResourceMonitor({
    sampler: {
      sample: async (targets) =>
        targets
          .filter((t) => t.service !== 'api')
          .map((t) => ({
            service: t.service,
            cpuNsec: (cpu += 5e8),
            memoryBytes: t.service === 'wk@1' ? null : 7 * MiB,
            processes: 1,
            source: 'procfs' as const,
          })),
    },
    history: { record: () => undefined, prune: () => undefined } as never,
    selfPid: 4,
    onSample: () => holder.publish('resources', rm.part()),
  });
  const ma = new MetricAlerts({
    fetcher: { fetch: async () => Promise.reject(new Error('connection refused')) },
    onScrape: () => holder.publish('scrapes', ma.part()),
  });
  const disk = new DiskWatch({
    store,
    space: { space: (p) => ({ path: p, freeBytes: 1000, totalBytes: 20 * MiB }) },
    clock,
    home: bed.home,
    record: () => undefined,
    pendingEvents: () => 3,
    log: () => undefined,
  });
  holder.setBase(base);
  holder.publish('health', hm.part());
  holder.publish('resources', rm.part());
  holder.publish('scrapes', ma.part());
  disk.publishTo((v) => holder.publish('disk', v));
  memory.start();

  // What the agent's route answered before: the supervisor's document through each module's decoration.
  const decorated = (): StatusDoc => {
    let d = memory.decorateStatus(base);
    d = ma.decorate(rm.decorate(hm.decorate(d)));
    d = withGroups(d);
    d = usage.decorateStatus!(d);
    return { ...d, disk: disk.view() };
  };
  const same = (when: string) =>
    assert.equal(JSON.stringify(holder.current()), JSON.stringify(decorated()), when);

  same('before anything was probed, sampled or counted');
  usage.start?.();
  usage.afterTick!(base, []);
  await usage.watch.idle();
  same('after a usage round (spend, budget)');
  const specs = store.listServices();
  hm.tick(specs, base, clock.now());
  await hm.settle();
  same('after a failed probe');
  clock.advance(6000);
  answer = { ...answer, health: 'healthy', httpStatus: 200, error: null, at: clock.now() };
  hm.tick(specs, base, clock.now());
  await hm.settle();
  hm.tick(specs, base, clock.now());
  same('after a passing probe');
  await rm.sample(base, clock.now());
  clock.advance(5000);
  await rm.sample(base, clock.now());
  same('after two resource samples (CPU %)');
  ma.tick(
    specs as ServiceRecord[],
    { state: () => 'running', memoryBytes: () => null, hourlyUsd: null },
    clock.now(),
  );
  await ma.settle();
  same('after a failed scrape');
  ma.feed(
    specs.find((s) => s.name === 'web')!,
    'http://web/metrics',
    [],
    clock.now(),
  );
  same('after a scrape fed by the usage feature');
  disk.failed('the database', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
  same('on a full disk');
  const doc = holder.current();
  assert.equal(doc.disk?.state, 'disk-full');
  assert.equal(doc.groups?.[0]?.spend?.todayMicro, 15_000);
  assert.equal(doc.services[0]?.probe?.health, 'healthy');
  assert.equal(doc.services[0]?.metricsScrape?.ok, true);
  assert.equal(doc.services[1]?.memoryLimitBytes, 64 * MiB);
  assert.equal(typeof doc.services[0]?.cpuPercent, 'number');
  await usage.stop?.();
  store.close();
});
