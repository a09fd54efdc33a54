import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProcfsSampler, parseProcUsage } from '../../agent/adapters/procfs/procfs-sampler.js';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';
import { MONITOR_MIGRATION } from '../../agent/adapters/sqlite/migration-monitor.js';
import { SqliteResourceHistory } from '../../agent/adapters/sqlite/resource-history.js';
import { ResourceMonitor, AGENT_SERIES } from '../../agent/app/resource-monitor.js';
import type { ResourceReading, ResourceSampler, ResourceTarget } from '../../agent/ports/resource-sampler.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import { toObservedStatus } from '../../agent/adapters/systemd/show-parser.js';
import { serviceStatus } from '../../agent/core/supervise/view.js';
import { loopRule } from '../../agent/core/supervise/model.js';
import { statusDocument } from '../../agent/core/status-parts.js';

const T0 = Date.UTC(2025, 0, 6, 12);

/** A fake /proc and /sys/fs/cgroup: a hybrid host, unit cgroup in the unified and the systemd hierarchies. */
function fakeHost(
  procs: Record<number, { ticks: [number, number, number, number]; rss: number }>,
  cgroupProcs: number[],
  layout: 'hybrid' | 'v1' | 'v2' = 'hybrid',
) {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-procfs-'));
  const proc = path.join(root, 'proc');
  const cg = path.join(root, 'cgroup');
  const rel = '/user.slice/user-0.slice/user@0.service/app.slice/vigil-web.service';
  for (const [pid, p] of Object.entries(procs)) {
    mkdirSync(path.join(proc, pid), { recursive: true });
    const [u, s, cu, cs] = p.ticks;
    writeFileSync(
      path.join(proc, pid, 'stat'),
      `${pid} (my (odd) name) S 1 ${pid} ${pid} 0 -1 4194304 168 0 0 0 ${u} ${s} ${cu} ${cs} 20 0 1 0 151040 2990080 ${p.rss}\n`,
    );
    const lines =
      layout === 'v2'
        ? [`0::${rel}`]
        : layout === 'v1'
          ? [`9:name=systemd:${rel}`, '4:memory:/']
          : [`9:name=systemd:${rel}`, '1:cpu:/', `0::${rel}`];
    writeFileSync(path.join(proc, pid, 'cgroup'), `${lines.join('\n')}\n`);
  }
  const dir =
    layout === 'hybrid'
      ? path.join(cg, 'unified', rel)
      : layout === 'v1'
        ? path.join(cg, 'systemd', rel)
        : path.join(cg, rel);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cgroup.procs'), cgroupProcs.map((p) => `${p}\n`).join(''));
  return { proc, cgroup: cg, dir };
}

const target = (over: Partial<ResourceTarget> = {}): ResourceTarget => ({
  service: 'web',
  pid: 100,
  managerMemoryBytes: null,
  managerCpuNsec: null,
  ...over,
});

describe('ProcfsSampler', () => {
  it('parses /proc/<pid>/stat with spaces and parentheses in the command', () => {
    const stat = '42 (a) b) (c) R 1 42 42 0 -1 0 0 0 0 0 7 3 100 50 20 0 1 0 1 2 25 18446744073709551615 1';
    assert.deepEqual(parseProcUsage(stat), { ticks: 160, rssPages: 25 });
    assert.equal(parseProcUsage('garbage'), null);
    assert.equal(parseProcUsage('42 (short) R 1 42 42 0 -1 0 0 0 0 0 7 3 100 50'), null, 'no rss field');
  });

  it('reads the same resident pages as statm, and the CPU ticks, of a real process', () => {
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const statm = readFileSync(`/proc/${process.pid}/statm`, 'utf8');
    const u = parseProcUsage(stat)!;
    const resident = Number(statm.split(' ')[1]);
    assert.ok(
      Math.abs(u.rssPages - resident) <= resident * 0.05,
      `stat rss ${u.rssPages} vs statm ${resident}`,
    );
    assert.ok(u.ticks > 0);
  });

  for (const layout of ['hybrid', 'v1', 'v2'] as const) {
    it(`sums every process of the unit's cgroup (${layout})`, async () => {
      const host = fakeHost(
        { 100: { ticks: [100, 50, 10, 0], rss: 1000 }, 101: { ticks: [20, 20, 0, 0], rss: 500 } },
        [100, 101, 999],
        layout,
      );
      const s = new ProcfsSampler({ proc: host.proc, cgroup: host.cgroup, clockTicks: 100, pageSize: 4096 });
      assert.equal(await s.findCgroupDir(100), host.dir);
      const [r] = await s.sample([target()]);
      assert.deepEqual(
        r,
        { service: 'web', cpuNsec: 2_000_000_000, memoryBytes: 1500 * 4096, processes: 2, source: 'procfs' },
        'pid 999 exited meanwhile: skipped',
      );
    });
  }

  it('keeps each stat file open between samples: new values are read, gone processes closed and skipped', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        'let x = 0; const t = setInterval(() => { for (let i = 0; i < 3e6; i++) x += i; }, 5); setTimeout(() => clearInterval(t), 60000)',
      ],
      { stdio: 'ignore' },
    );
    try {
      await new Promise((r) => child.once('spawn', r));
      const s = new ProcfsSampler();
      // The sampler's own descriptors: those open on a /proc/<pid>/ file (the runner's others come and go).
      const fds = () =>
        readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return /^\/proc\/\d+\//.test(readlinkSync(`/proc/self/fd/${fd}`));
          } catch {
            return false;
          }
        }).length;
      const [first] = await s.sample([target({ pid: child.pid!, processOnly: true })]);
      const open = fds();
      // On a loaded machine the busy child may not run for a while: sample again (the same descriptor each
      // time) until its CPU has moved by a tick, for up to 10 s.
      let second = first;
      for (let waited = 0; second!.cpuNsec! <= first!.cpuNsec! && waited < 10_000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200));
        [second] = await s.sample([target({ pid: child.pid!, processOnly: true })]);
      }
      assert.ok(
        second!.cpuNsec! > first!.cpuNsec!,
        `the busy child's CPU grows: ${first!.cpuNsec} → ${second!.cpuNsec}`,
      );
      assert.equal(fds(), open, 'the same descriptor is read again, none added');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, 50)); // reaped by node
      const [gone] = await s.sample([target({ pid: child.pid!, processOnly: true })]);
      assert.deepEqual([gone!.cpuNsec, gone!.processes], [null, 0], 'a gone process reads nothing');
      assert.equal(fds(), open - 1, 'its descriptor was closed');
      await s.sample([target({ pid: process.pid, processOnly: true })]);
      await s.sample([]);
      assert.equal(fds(), open - 1, 'descriptors of processes no longer sampled are closed');
      s.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('prefers the service manager counters; processOnly reads one process; no pid, no reading', async () => {
    const host = fakeHost(
      { 100: { ticks: [100, 0, 0, 0], rss: 10 }, 101: { ticks: [100, 0, 0, 0], rss: 10 } },
      [100, 101],
    );
    const s = new ProcfsSampler({ proc: host.proc, cgroup: host.cgroup });
    const [a, b, c] = await s.sample([
      target({ managerMemoryBytes: 123, managerCpuNsec: 456 }),
      target({ service: 'agent', processOnly: true }),
      target({ service: 'off', pid: null }),
    ]);
    assert.deepEqual(a, {
      service: 'web',
      cpuNsec: 456,
      memoryBytes: 123,
      processes: null,
      source: 'systemd',
    });
    assert.deepEqual([b!.processes, b!.memoryBytes, b!.source], [1, 10 * 4096, 'procfs']);
    assert.deepEqual(c, { service: 'off', cpuNsec: null, memoryBytes: null, processes: null, source: null });
  });

  it('reads this very process from the real /proc', async () => {
    const [r] = await new ProcfsSampler().sample([target({ pid: process.pid })]);
    assert.equal(r!.source, 'procfs');
    assert.ok((r!.memoryBytes ?? 0) > 10 * 1024 * 1024, `rss ${r!.memoryBytes}`);
    assert.ok((r!.cpuNsec ?? 0) > 0);
    assert.ok((r!.processes ?? 0) >= 1);
  });
});

function memoryHistory() {
  const db = openDatabase(':memory:');
  MONITOR_MIGRATION.up(db);
  return { db, history: new SqliteResourceHistory(db) };
}

describe('resource history: raw samples, minute rollups, retention, series', () => {
  it('folds samples into minute rollups (avg, max; nulls ignored) and serves buckets', () => {
    const { db, history } = memoryHistory();
    const m0 = Math.floor(T0 / 60_000) * 60_000;
    history.record([
      { service: 'web', at: m0, cpuPercent: null, memoryBytes: 100, source: 'procfs' },
      { service: 'web', at: m0 + 5000, cpuPercent: 10, memoryBytes: 300, source: 'procfs' },
      { service: 'web', at: m0 + 10_000, cpuPercent: 30, memoryBytes: 200, source: 'procfs' },
      { service: 'web', at: m0 + 60_000, cpuPercent: 50, memoryBytes: 400, source: 'systemd' },
    ]);
    history.record([{ service: 'web', at: m0 + 5000, cpuPercent: 99, memoryBytes: 9, source: 'procfs' }]); // replayed: ignored
    const rows = db
      .prepare(
        'SELECT minute, cpu_sum, cpu_n, cpu_max, mem_sum, mem_n, mem_max FROM resource_minutes ORDER BY minute',
      )
      .all();
    assert.deepEqual(rows, [
      { minute: m0, cpu_sum: 40, cpu_n: 2, cpu_max: 30, mem_sum: 600, mem_n: 3, mem_max: 300 },
      { minute: m0 + 60_000, cpu_sum: 50, cpu_n: 1, cpu_max: 50, mem_sum: 400, mem_n: 1, mem_max: 400 },
    ]);
    const raw = history.series({ service: 'web', since: m0, until: m0 + 120_000, points: 2 }, m0 + 120_000);
    assert.equal(raw.resolution, 'raw');
    assert.equal(raw.stepMs, 60_000);
    assert.deepEqual(raw.points, [
      { at: m0, cpuAvg: 20, cpuMax: 30, memAvg: 200, memMax: 300 },
      { at: m0 + 60_000, cpuAvg: 50, cpuMax: 50, memAvg: 400, memMax: 400 },
    ]);
    const old = history.series(
      { service: 'web', since: m0, until: m0 + 120_000, points: 1 },
      m0 + 2 * 86_400_000,
    );
    assert.equal(old.resolution, 'minute', 'older than the raw retention: rollups');
    assert.deepEqual(old.points, [{ at: m0, cpuAvg: 30, cpuMax: 50, memAvg: 250, memMax: 400 }]);
  });

  it('keeps raw samples 24 h and rollups 30 days', () => {
    const { history } = memoryHistory();
    const day = 86_400_000;
    for (const age of [0, 23 * 3600_000, 25 * 3600_000, 29 * day, 31 * day]) {
      history.record([{ service: 'web', at: T0 - age, cpuPercent: 1, memoryBytes: 1, source: 'procfs' }]);
    }
    assert.deepEqual(history.prune(T0, day, 30 * day), { raw: 3, minutes: 1 });
    assert.deepEqual(history.prune(T0, day, 30 * day), { raw: 0, minutes: 0 });
    const all = history.series({ service: 'web', since: T0 - 40 * day, until: T0 + 1, points: 2000 }, T0);
    assert.equal(all.points.length, 4, 'the 31-day-old minute is gone');
  });
});

class ScriptedSampler implements ResourceSampler {
  readings = new Map<string, Omit<ResourceReading, 'service'>>();
  async sample(targets: readonly ResourceTarget[]): Promise<ResourceReading[]> {
    return targets.map((t) => ({
      service: t.service,
      ...(this.readings.get(t.service) ?? {
        cpuNsec: null,
        memoryBytes: null,
        processes: null,
        source: null,
      }),
    }));
  }
}

function svc(name: string, pid: number | null): ServiceStatus {
  return {
    name,
    unit: `vigil-${name}.service`,
    state: 'running',
    pid,
    restarts: 0,
    since: null,
    lastExit: null,
    health: 'unknown',
    drifted: false,
    memoryBytes: null,
    cpuNsec: null,
  };
}

describe('ResourceMonitor', () => {
  it('derives CPU % from two readings, every everyMs, restarts reset it; stores history; reports the agent itself', async () => {
    const { history } = memoryHistory();
    const sampler = new ScriptedSampler();
    const mon = new ResourceMonitor({ sampler, history, everyMs: 5000, selfPid: 4242 });
    const doc: StatusDoc = { services: [svc('web', 10)] };
    sampler.readings.set('web', { cpuNsec: 1e9, memoryBytes: 50 << 20, processes: 2, source: 'procfs' });
    sampler.readings.set(AGENT_SERIES, {
      cpuNsec: 5e8,
      memoryBytes: 40 << 20,
      processes: 1,
      source: 'procfs',
    });
    assert.equal(await mon.maybeSample(doc, T0), true);
    let d = statusDocument(doc, { resources: mon.part() });
    assert.equal(d.services[0]!.cpuPercent, null, 'one reading: no rate yet');
    assert.equal(d.services[0]!.memoryBytes, 50 << 20);
    assert.equal(d.services[0]!.usageSource, 'procfs');
    assert.equal(await mon.maybeSample(doc, T0 + 4999), false, 'not due');
    sampler.readings.set('web', {
      cpuNsec: 1e9 + 2.5e9,
      memoryBytes: 60 << 20,
      processes: 2,
      source: 'procfs',
    });
    sampler.readings.set(AGENT_SERIES, {
      cpuNsec: 5e8 + 5e6,
      memoryBytes: 41 << 20,
      processes: 1,
      source: 'procfs',
    });
    assert.equal(await mon.maybeSample(doc, T0 + 5000), true);
    d = statusDocument(doc, { resources: mon.part() });
    assert.equal(d.services[0]!.cpuPercent, 50, '2.5 s of CPU in 5 s');
    assert.deepEqual(d.agent, { pid: 4242, cpuPercent: 0.1, memoryBytes: 41 << 20, usageSource: 'procfs' });
    const restarted: StatusDoc = { services: [svc('web', 11)] };
    sampler.readings.set('web', { cpuNsec: 1e8, memoryBytes: 10 << 20, processes: 1, source: 'procfs' });
    await mon.maybeSample(restarted, T0 + 10_000);
    assert.equal(
      statusDocument(restarted, { resources: mon.part() }).services[0]!.cpuPercent,
      null,
      'a new process tree: no rate across it',
    );
    const series = history.series(
      { service: 'web', since: T0 - 1, until: T0 + 20_000, points: 100 },
      T0 + 20_000,
    );
    assert.deepEqual(
      series.points.map((p) => [p.at - T0, p.cpuAvg, p.memMax]),
      [
        [0, null, 50 << 20],
        [5000, 50, 60 << 20],
        [10_000, null, 10 << 20],
      ],
    );
    assert.equal(
      history.series({ service: AGENT_SERIES, since: T0 - 1, until: T0 + 20_000, points: 100 }, T0).points
        .length,
      3,
    );
  });

  it('unsettled until each running process (and the agent) has two readings; a new PID starts again', async () => {
    const { history } = memoryHistory();
    const sampler = new ScriptedSampler();
    const mon = new ResourceMonitor({ sampler, history, everyMs: 5000, selfPid: 4242 });
    const reading = { cpuNsec: 1e9, memoryBytes: 50 << 20, processes: 1, source: 'procfs' as const };
    sampler.readings.set('web', reading);
    sampler.readings.set(AGENT_SERIES, reading);
    const doc: StatusDoc = { services: [svc('web', 10), svc('idle', null)] };
    assert.equal(mon.unsettled(doc), true, 'nothing read yet');
    await mon.maybeSample(doc, T0);
    assert.equal(mon.unsettled(doc), true, 'one reading: no CPU % yet');
    await mon.maybeSample(doc, T0 + 5000);
    assert.equal(mon.unsettled(doc), false, 'two readings of each; a service without a process needs none');
    await mon.maybeSample(doc, T0 + 10_000);
    assert.equal(mon.unsettled(doc), false);
    const restarted: StatusDoc = { services: [svc('web', 11)] };
    assert.equal(mon.unsettled(restarted), true, 'a new process');
    await mon.maybeSample(restarted, T0 + 15_000);
    assert.equal(mon.unsettled(restarted), true);
    await mon.maybeSample(restarted, T0 + 20_000);
    assert.equal(mon.unsettled(restarted), false);
    const added: StatusDoc = { services: [svc('web', 11), svc('new', 12)] };
    assert.equal(mon.unsettled(added), true, 'a new service');
  });

  it('a service with no process shows no memory or CPU, not its last sample nor what the manager reports', async () => {
    const { history } = memoryHistory();
    const sampler = new ScriptedSampler();
    const mon = new ResourceMonitor({ sampler, history, everyMs: 5000, selfPid: 4242 });
    sampler.readings.set('web', { cpuNsec: 1e9, memoryBytes: 50 << 20, processes: 2, source: 'procfs' });
    await mon.maybeSample({ services: [svc('web', 10)] }, T0);
    const gone: StatusDoc = { services: [{ ...svc('web', null), state: 'stopped', memoryBytes: 8 << 20 }] };
    const s = statusDocument(gone, { resources: mon.part() }).services[0]!;
    assert.deepEqual([s.memoryBytes, s.cpuPercent, s.usageSource], [null, null, null]);
    // The status view drops what systemd still reports for a unit without a main process.
    const observed = toObservedStatus('web', 'vigil-web.service', {
      LoadState: 'loaded',
      ActiveState: 'activating',
      SubState: 'auto-restart',
      MainPID: '0',
      MemoryCurrent: '4096',
      CPUUsageNSec: '123456',
    });
    const view = serviceStatus({
      name: 'web',
      unit: 'vigil-web.service',
      observed,
      snapshot: undefined,
      policy: 'always',
      rule: loopRule({ burst: 5, intervalSec: 60 }),
      drifted: false,
      now: T0,
    });
    assert.deepEqual([view.pid, view.memoryBytes, view.cpuNsec], [null, null, null]);
  });
});
