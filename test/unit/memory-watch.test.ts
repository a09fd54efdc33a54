/**
 * limits.memory enforced by the agent (launchd; systemd on cgroup v1/hybrid): over the limit → a
 * memory-limit exit record and a restart through the manager, once per process; the status says who
 * enforces; and the detection of whether systemd's MemoryMax= holds, on fake cgroup trees.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';
import { MemoryWatch } from '../../agent/daemon/memory-watch.js';
import { StatusHolder } from '../../agent/daemon/status-doc.js';
import { detectMemoryMax } from '../../agent/adapters/systemd/memory-enforcement.js';
import { step } from '../../agent/core/supervise/detect.js';
import { emptySnapshot, loopRule } from '../../agent/core/supervise/model.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { ResourceSampler, ResourceTarget } from '../../agent/ports/resource-sampler.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { StepClock } from '../helpers/step-clock.js';
import { makeSpec } from '../helpers/launchd.js';

const MiB = 1024 ** 2;

function setup(
  opts: {
    limit?: number;
    policy?: 'always' | 'no';
    enforcement?: 'agent' | 'systemd';
    sampler?: ResourceSampler;
  } = {},
) {
  const db = tempDbPath();
  const store = SqliteStore.open(db);
  const clock = new StepClock(Date.UTC(2025, 0, 1));
  for (const name of ['web', 'api']) {
    store.upsertService({
      name,
      unit: `vigil-${name}.service`,
      spec: makeSpec(name, {
        limits: { memoryBytes: name === 'web' ? opts.limit : undefined, cpuPercent: undefined },
        restart: { policy: opts.policy ?? 'always', delaySec: 1, burst: 3, intervalSec: 60 },
      }),
      hash: 'h',
      installedAt: 0,
      updatedAt: 0,
    });
  }
  const calls: string[] = [];
  const manager = {
    restart: async (s: readonly string[]) => void calls.push(`restart ${s.join(',')}`),
    stop: async (s: readonly string[]) => void calls.push(`stop ${s.join(',')}`),
  };
  const exitsPath = path.join(path.dirname(db), 'state', 'exits.log');
  const status = new StatusHolder();
  const watch = new MemoryWatch({
    manager,
    store,
    clock,
    logger: pino({ level: 'silent' }),
    exitsPath,
    enforcement: opts.enforcement ?? 'agent',
    ...(opts.sampler ? { sampler: opts.sampler } : {}),
    status,
  });
  return { store, clock, calls, watch, exitsPath, status };
}

const svc = (name: string, over: Partial<ServiceStatus>): ServiceStatus => ({
  name,
  unit: `vigil-${name}.service`,
  state: 'running',
  pid: 100,
  restarts: 0,
  since: null,
  lastExit: null,
  health: 'unknown',
  drifted: false,
  memoryBytes: 1000,
  cpuNsec: 0,
  ...over,
});
const doc = (...services: ServiceStatus[]): StatusDoc => ({ services });

describe('memory watch (agent-enforced limits.memory)', () => {
  it('over the limit: a memory-limit exit record, then a restart — once per process', async () => {
    const { watch, calls, exitsPath } = setup({ limit: 512 * MiB });
    await watch.afterTick(
      doc(svc('web', { memoryBytes: 400 * MiB }), svc('api', { pid: 7, memoryBytes: 10 * 1024 * MiB })),
    );
    assert.deepEqual(calls, [], 'under the limit, or no limit: nothing');
    await watch.afterTick(doc(svc('web', { memoryBytes: 600 * MiB })));
    await watch.afterTick(doc(svc('web', { memoryBytes: 700 * MiB })));
    await watch.settled();
    assert.deepEqual(calls, ['restart web'], 'the same pid is restarted once');
    const { records } = await new FileExitJournal(exitsPath).readSince(0);
    assert.deepEqual(
      records.map((r) => [r.service, r.result, r.how, r.signal]),
      [['web', 'memory-limit', 'killed', 'SIGKILL']],
    );
    assert.match(readFileSync(exitsPath, 'utf8'), /^1735689600\.000 web memory-limit killed KILL\n$/);
    await watch.afterTick(doc(svc('web', { pid: 101, memoryBytes: 900 * MiB })));
    assert.deepEqual(calls, ['restart web', 'restart web'], 'a new process over the limit is handled again');
  });

  it('restart policy "no": stopped, not restarted; a service not running is left alone', async () => {
    const { watch, calls } = setup({ limit: 1000, policy: 'no' });
    await watch.afterTick(doc(svc('web', { state: 'stopping', memoryBytes: 2000 })));
    assert.deepEqual(calls, []);
    await watch.afterTick(doc(svc('web', { memoryBytes: 2000 })));
    assert.deepEqual(calls, ['stop web']);
  });

  it('with a sampler (Linux): fresh readings of the limited services only decide, not the status', async () => {
    const asked: ResourceTarget[][] = [];
    const sampler: ResourceSampler = {
      sample: async (t) => (
        asked.push([...t]),
        t.map((x) => ({
          service: x.service,
          cpuNsec: null,
          memoryBytes: 80 * MiB,
          processes: 2,
          source: 'procfs' as const,
        }))
      ),
    };
    const { watch, calls } = setup({ limit: 64 * MiB, sampler });
    await watch.afterTick(doc(svc('web', { memoryBytes: null }), svc('api', { pid: 8, memoryBytes: null })));
    assert.deepEqual(
      asked.map((t) => t.map((x) => [x.service, x.pid])),
      [[['web', 100]]],
    );
    assert.deepEqual(calls, ['restart web']);
  });

  it('the status says who enforces each limited service; systemd enforcement does nothing itself', async () => {
    const agent = setup({ limit: 64 * MiB });
    agent.status.setBase(doc(svc('web', {}), svc('api', {})));
    agent.watch.start();
    const d = agent.status.current();
    assert.deepEqual(
      d.services.map((s) => [s.name, s.memoryLimitBytes, s.memoryEnforcement]),
      [
        ['web', 64 * MiB, 'agent'],
        ['api', undefined, undefined],
      ],
    );
    const sd = setup({ limit: 64 * MiB, enforcement: 'systemd' });
    sd.status.setBase(doc(svc('web', {})));
    sd.watch.start();
    assert.equal(sd.status.current().services[0]!.memoryEnforcement, 'systemd');
    await sd.watch.afterTick(doc(svc('web', { memoryBytes: 900 * MiB })));
    assert.deepEqual(sd.calls, [], 'the kernel enforces MemoryMax=');
  });

  it('the supervisor makes the record an oom-killed event that names the limit and counts as a failure', () => {
    const rule = loopRule({ burst: 3, intervalSec: 60 });
    const observed = {
      service: 'web',
      unit: 'u',
      loaded: true,
      active: 'active' as const,
      sub: 'running',
      pid: 100,
      restarts: 0,
      result: 'success',
      lastExit: null,
      since: 0,
      memoryBytes: null,
      cpuNsec: null,
    };
    const out = step(emptySnapshot(), {
      service: 'web',
      observed,
      policy: 'always',
      rule,
      now: 10_000,
      memoryLimitBytes: 64 * MiB,
      exits: [
        {
          offset: 0,
          at: 9000,
          service: 'web',
          result: 'memory-limit',
          how: 'killed',
          code: null,
          signal: 'SIGKILL',
        },
      ],
    });
    const e = out.events.find((x) => x.type === 'oom-killed')!;
    assert.equal(
      e.message,
      'web went over its memory limit; Vigil ended it (agent-enforced limit) (limits.memory 64M)',
    );
    assert.deepEqual(out.next.crashes, [9000]);
  });
});

describe('does systemd enforce MemoryMax= here?', () => {
  const fakeFs = (files: Record<string, string>) => (f: string) => files[f] ?? null;

  it('cgroup v1/hybrid (memory on a v1 mount, as on this CI host): not enforced', () => {
    const r = detectMemoryMax(
      fakeFs({
        '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
        '/sys/fs/cgroup/unified/cgroup.controllers': '',
      }),
      1000,
    );
    assert.equal(r.enforced, false);
    assert.match(r.why, /cgroup v1\/hybrid/);
  });

  it('cgroup v2 with memory delegated to user@UID.service: enforced', () => {
    const r = detectMemoryMax(
      fakeFs({
        '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
        '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers': 'cpu memory pids\n',
      }),
      1000,
    );
    assert.deepEqual(r, {
      enforced: true,
      why: 'cgroup v2 with the memory controller delegated to /user.slice/user-1000.slice/user@1000.service',
    });
  });

  it('cgroup v2 without delegation (or no user manager cgroup): not enforced; our own cgroup locates the manager', () => {
    const base = { '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n' };
    assert.equal(
      detectMemoryMax(
        fakeFs({
          ...base,
          '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers': 'pids\n',
        }),
        1000,
      ).enforced,
      false,
    );
    assert.match(detectMemoryMax(fakeFs(base), 1000).why, /not found/);
    const nested = fakeFs({
      ...base,
      '/proc/self/cgroup':
        '0::/machine.slice/c1/user.slice/user-1000.slice/user@1000.service/app.slice/vigil-agent.service\n',
      '/sys/fs/cgroup/machine.slice/c1/user.slice/user-1000.slice/user@1000.service/cgroup.controllers':
        'memory pids\n',
    });
    assert.equal(detectMemoryMax(nested, 1000).enforced, true);
  });
});
