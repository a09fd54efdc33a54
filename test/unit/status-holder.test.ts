/**
 * The agent's status document is materialised when something changes (daemon/status-doc.ts): each kind of
 * change reaches it through the module's own publishing, with no decoration at read time — a probe result
 * between ticks, a resource sample, a usage batch, a full disk, a memory-limit exit and a changed limit,
 * a replica added. The document read is the one held: two reads without a change are the same object.
 */
import { observedRunning } from '../helpers/observed.js';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pino } from 'pino';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { StatusHolder } from '../../agent/daemon/status-doc.js';
import { MemoryWatch } from '../../agent/daemon/memory-watch.js';
import { createMonitorModule } from '../../agent/daemon/monitor-factory.js';
import { MonitorModule } from '../../agent/daemon/monitor-module.js';
import { UsageModule } from '../../agent/daemon/usage-module.js';
import { createUsageModule } from '../../agent/daemon/usage-factory.js';
import { createDiskModule } from '../../agent/daemon/disk-module.js';
import { DiskWatch } from '../../agent/app/disk-watch.js';
import { expandReplicas } from '../../agent/core/manifest/replicas.js';
import type { AgentModule, AgentRuntime } from '../../agent/daemon/module.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { ObservedStatus, ExitRecord } from '../../agent/core/observed.js';
import type { ProbeResult } from '../../agent/core/health/probe.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { SecretSource } from '../../agent/ports/secrets.js';
import { usageModuleBed } from '../helpers/usage-agent.js';

const MiB = 1024 ** 2;

it('the held status document follows every kind of change, published by the module that changed', async () => {
  const bed = usageModuleBed();
  const { store, clock } = bed;
  const holder = new StatusHolder();
  const restart = { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 };
  const web = {
    name: 'web',
    command: ['/bin/true'],
    env: {},
    limits: {},
    restart,
    health: { probe: { kind: 'http', url: 'http://web/healthz' }, intervalSec: 5, timeoutSec: 1 },
    metrics: { url: 'http://web/metrics' },
    metricAlerts: { errorRate: { above: 0.5, forSec: 60, windowSec: 300 } },
  } as unknown as ServiceSpec;
  const wk = (replicas: number, memoryBytes: number) =>
    expandReplicas([
      {
        name: 'wk',
        replicas,
        command: ['/bin/true'],
        env: {},
        limits: { memoryBytes },
        restart,
        usage: { metrics: false, log: {}, provider: 'anthropic', intervalSec: 1 },
      } as unknown as ServiceSpec,
    ]);
  bed.install([web, ...wk(2, 64 * MiB)]);
  bed.setBudget({ timezone: 'UTC', dailyUsd: 1 });

  // The service manager and the exit journal the supervisor reads.
  const observed = (name: string, pid: number): ObservedStatus =>
    observedRunning(clock.now(), { service: name, unit: `vigil-${name}.service`, pid });
  const pids = new Map([
    ['web', 100],
    ['wk@1', 201],
    ['wk@2', 202],
  ]);
  const journal: ExitRecord[] = [];
  const supervisor = new Supervisor({
    manager: {
      status: async (names: readonly string[]) =>
        names.filter((n) => pids.has(n)).map((n) => observed(n, pids.get(n)!)),
      listInstalled: async () => [],
    } as unknown as ServiceManager,
    store,
    journal: {
      readSince: async (offset: number) => ({ records: journal.slice(offset), next: journal.length }),
    },
    clock,
    logger: pino({ level: 'silent' }),
    readLogTail: async () => [],
    onStatus: (doc) => holder.setBase(doc),
  });

  let answer: (r: ProbeResult) => void = () => undefined;
  const runtime = {
    ...bed.runtime,
    ctx: { ...bed.runtime.ctx, rawManager: bed.runtime.manager },
    supervisor,
    status: holder,
    credentials: { redactingProber: (p: unknown) => p, redactingTail: (t: unknown) => t },
  } as unknown as AgentRuntime;
  const [monitor] = createMonitorModule(runtime, {
    prober: { probe: () => new Promise<ProbeResult>((resolve) => (answer = resolve)) },
    sampler: {
      sample: async (targets) =>
        targets.map((t) => ({
          service: t.service,
          cpuNsec: 1e9,
          memoryBytes: 9 * MiB,
          processes: 1,
          source: 'procfs' as const,
        })),
    },
    secrets: {} as SecretSource,
    notifiers: [],
    fetcher: { fetch: async () => '' },
  });
  assert.ok(monitor instanceof MonitorModule);
  const [usage] = createUsageModule(runtime, [monitor], { evaluateEveryMs: 1000 });
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
  const disk = new DiskWatch({
    store,
    space: { space: (p) => ({ path: p, freeBytes: 10 * MiB, totalBytes: 20 * MiB }) },
    clock,
    home: bed.home,
    record: () => undefined,
    pendingEvents: () => supervisor.pendingEvents().waiting,
    log: () => undefined,
  });
  const modules: AgentModule[] = [
    memory,
    monitor,
    usage,
    ...createDiskModule({ ...runtime, disk }, [monitor]),
  ];
  const tick = async () => {
    const events = await supervisor.tick({ full: true });
    for (const m of modules) await m.afterTick?.(supervisor.currentStatus(), events);
  };
  const row = (name: string) => holder.current().services.find((s) => s.name === name)!;

  try {
    await supervisor.tick();
    for (const m of modules) await m.start?.();
    await tick();
    const first = holder.current();
    assert.equal(holder.current(), first, 'read twice without a change: the same document');
    assert.deepEqual(
      first.services.map((s) => s.name),
      ['web', 'wk@1', 'wk@2'],
    );
    assert.equal(first.groups?.[0]?.replicas, 2, 'the groups, over the rows');
    assert.equal(first.disk?.state, 'ok');
    assert.equal(row('web').probe, null, 'the probe is in flight');

    // A probe result, between ticks: published by the health monitor when it arrives.
    answer({
      health: 'down',
      httpStatus: 503,
      latencyMs: 3,
      reported: null,
      checks: null,
      error: 'HTTP 503',
      at: clock.now(),
    });
    await (monitor as MonitorModule).health.settle();
    assert.equal(row('web').probe?.error, 'HTTP 503', 'a probe result');

    // A metrics scrape (the tick started it; it lands on its own).
    await (monitor as MonitorModule).metricAlerts.settle();
    assert.equal(row('web').metricsScrape?.ok, true, 'a metrics scrape');

    // A resource sample (the tick started it; it lands on its own).
    await new Promise((r) => setImmediate(r));
    assert.equal(row('web').memoryBytes, 9 * MiB, 'a resource sample');
    assert.equal(holder.current().agent?.memoryBytes, 9 * MiB);

    // A usage batch: the round after a tick stores it and publishes the spend.
    assert.equal(holder.current().groups?.[0]?.spend?.todayMicro ?? 0, 0);
    bed.writeUsage('wk@1', 'r1', 1000);
    clock.advance(2000);
    await tick();
    await (usage as UsageModule).watch.idle();
    assert.equal(holder.current().groups?.[0]?.spend?.todayMicro, 15_000, 'a usage batch');
    assert.equal(holder.current().budget?.todayUsd, 0.015);

    // A disk state change, reported by a failing write anywhere.
    disk.failed(
      'the database',
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    );
    assert.equal(holder.current().disk?.state, 'disk-full', 'a full disk');
    disk.failed(
      'the database',
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    );
    assert.equal(holder.current().disk?.failures, 2);

    // A memory-limit exit: the supervisor's tick reads it from the journal and publishes its rows.
    journal.push({
      offset: 0,
      at: clock.now(),
      service: 'wk@2',
      result: 'memory-limit',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    pids.set('wk@2', 302);
    clock.advance(1000);
    await tick();
    assert.equal(row('wk@2').lastExit?.signal, 'SIGKILL', 'a memory-limit exit');
    assert.equal(row('wk@2').pid, 302);
    assert.equal(row('wk@2').memoryLimitBytes, 64 * MiB);

    // A changed limit (an apply), and a replica added: both after the next tick.
    bed.install(wk(3, 128 * MiB));
    pids.set('wk@3', 303);
    clock.advance(1000);
    await tick();
    assert.equal(row('wk@1').memoryLimitBytes, 128 * MiB, 'a changed limit');
    assert.equal(holder.current().groups?.[0]?.replicas, 3, 'a replica added');
    assert.equal(row('wk@3').memoryEnforcement, 'systemd');
  } finally {
    for (const m of modules) await m.stop?.();
    store.close();
  }
});
