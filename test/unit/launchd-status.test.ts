/**
 * launchd facts → ObservedStatus, and through the supervisor's state machine: the same states and events as
 * on systemd (running, starting, stopped, failed, crashloop; restarted, crashloop, start-limit-hit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { toObservedStatus, type JobFacts } from '../../agent/adapters/launchd/status-map.js';
import { parsePrint } from '../../agent/adapters/launchd/launchctl-parse.js';
import {
  parseCpuTime,
  parseLstart,
  parsePs,
  processTree,
  PS_ARGS,
  treeUsage,
} from '../../agent/adapters/launchd/process-table.js';
import { step, deriveState } from '../../agent/core/supervise/detect.js';
import { emptySnapshot, loopRule } from '../../agent/core/supervise/model.js';
import type { ExitRecord } from '../../agent/core/observed.js';
import { fixture } from '../helpers/launchd-replay.js';

const facts = (over: Partial<JobFacts>): JobFacts => ({
  service: 'web',
  label: 'dev.vigil.web',
  installed: true,
  keepAlive: 'always',
  row: null,
  print: undefined,
  knownRuns: null,
  gaveUp: undefined,
  usage: null,
  ...over,
});
const state = (f: Partial<JobFacts>) => {
  const o = toObservedStatus(facts(f));
  return [o.active, deriveState(o, false)];
};

test('states from real captures: running, spawn scheduled, never exited, SIGTERMed, not loaded, not installed', () => {
  assert.deepEqual(state({ print: parsePrint(fixture('print-running-terminated-gui.txt')) }), [
    'active',
    'running',
  ]);
  assert.deepEqual(state({ print: parsePrint(fixture('print-spawn-scheduled.txt')) }), [
    'activating',
    'starting',
  ]);
  assert.deepEqual(state({ print: parsePrint(fixture('print-fragment-never-exited.txt')) }), [
    'activating',
    'starting',
  ]);
  assert.deepEqual(
    state({ print: parsePrint(fixture('print-fragment-sigtermed.txt')) }),
    ['deactivating', 'stopping'],
    'launchd SIGTERMed is Vigil stopping',
  );
  assert.deepEqual(state({ print: null }), ['inactive', 'stopped']);
  assert.deepEqual(state({ installed: false }), ['inactive', 'unknown']);
});

test('not running after an exit: depends on KeepAlive, like Restart= on systemd', () => {
  const clean = parsePrint(fixture('print-not-running-gui.txt'));
  const failed = parsePrint(fixture('print-fragment-ex-config.txt'));
  assert.deepEqual(
    state({ keepAlive: 'always', print: clean }),
    ['activating', 'starting'],
    'KeepAlive true: respawned',
  );
  assert.deepEqual(
    state({ keepAlive: 'on-failure', print: clean }),
    ['inactive', 'stopped'],
    'SuccessfulExit false + exit 0: done',
  );
  assert.deepEqual(state({ keepAlive: 'on-failure', print: failed }), ['activating', 'starting']);
  assert.deepEqual(state({ keepAlive: 'no', print: failed }), ['failed', 'failed']);
  assert.deepEqual(state({ keepAlive: 'no', print: clean }), ['inactive', 'stopped']);
  const o = toObservedStatus(facts({ keepAlive: 'no', print: failed }));
  assert.deepEqual([o.result, o.lastExit], ['exit-code', { code: 78, signal: null }]);
});

test('a stop by SIGTERM is a success; SIGKILL and SIGSEGV are not', () => {
  const row = (status: number) => ({ label: 'dev.vigil.web', pid: null, status });
  assert.equal(
    toObservedStatus(facts({ keepAlive: 'no', row: row(-15), print: undefined })).result,
    'success',
  );
  assert.equal(toObservedStatus(facts({ keepAlive: 'no', row: row(-9) })).result, 'signal');
  assert.equal(toObservedStatus(facts({ keepAlive: 'no', row: row(-11) })).active, 'failed');
});

const rule = loopRule({ burst: 3, intervalSec: 60 });
const exit = (offset: number, at: number): ExitRecord => ({
  offset,
  at,
  service: 'web',
  result: 'exit-code',
  how: 'exited',
  code: 3,
  signal: null,
});

test('through the state machine: launchd respawns (restarted), failures make a crash loop, giving up is start-limit-hit', () => {
  const t0 = Date.UTC(2025, 0, 1);
  const run = (pid: number, runs: number) =>
    toObservedStatus(
      facts({
        row: { label: 'dev.vigil.web', pid, status: 3 },
        print: parsePrint(
          `gui/501/dev.vigil.web = {\n\tstate = running\n\truns = ${runs}\n\tpid = ${pid}\n\tlast exit code = 3\n}`,
        ),
        usage: { memoryBytes: 1, cpuNsec: 1, startedAt: t0 + runs * 1000 },
      }),
    );
  let out = step(emptySnapshot(), {
    service: 'web',
    observed: run(100, 1),
    exits: [],
    policy: 'always',
    rule,
    now: t0,
  });
  assert.deepEqual(
    out.events.map((e) => e.type),
    ['started'],
  );
  out = step(out.next, {
    service: 'web',
    observed: run(101, 2),
    exits: [exit(0, t0 + 1500)],
    policy: 'always',
    rule,
    now: t0 + 2000,
  });
  assert.deepEqual(
    out.events.map((e) => e.type),
    ['crashed', 'restarted'],
  );
  out = step(out.next, {
    service: 'web',
    observed: run(102, 3),
    exits: [exit(40, t0 + 2500)],
    policy: 'always',
    rule,
    now: t0 + 3000,
  });
  out = step(out.next, {
    service: 'web',
    observed: run(103, 4),
    exits: [exit(80, t0 + 3500)],
    policy: 'always',
    rule,
    now: t0 + 4000,
  });
  assert.deepEqual(
    out.events.map((e) => e.type),
    ['crashed', 'crashloop', 'restarted'],
  );
  assert.equal(out.next.state, 'crashloop');
  const gaveUp = toObservedStatus(
    facts({ print: null, gaveUp: { at: t0 + 5000, restarts: 3, lastExit: { code: 3, signal: null } } }),
  );
  out = step(out.next, {
    service: 'web',
    observed: gaveUp,
    exits: [],
    policy: 'always',
    rule,
    now: t0 + 5000,
  });
  assert.deepEqual(
    out.events.map((e) => e.type),
    ['start-limit-hit'],
  );
  assert.match(out.events[0]!.message, /restarted 3 times and was given up on; last: exited with code 3/);
  assert.equal(out.next.state, 'crashloop');
});

test('ps: macOS and Linux formats, cumulative CPU time, lstart, whole-tree usage', () => {
  assert.equal(parseCpuTime('1:02.25'), 62_250_000_000);
  assert.equal(parseCpuTime('00:01:02'), 62_000_000_000);
  assert.equal(parseCpuTime('2-03:04:05'), (2 * 86400 + 3 * 3600 + 4 * 60 + 5) * 1e9);
  assert.equal(parseLstart('Mon Jan  6 10:00:00 2025'), new Date(2025, 0, 6, 10, 0, 0).getTime());
  assert.equal(parseLstart('garbage'), null);
  const t = parsePs(
    '  10     1   1000  0:00.10 Mon Jan  6 10:00:00 2025\n  11    10   2000  0:01.00 Mon Jan  6 10:00:01 2025\n  12    11   3000  0:02.00 Mon Jan  6 10:00:02 2025\n  13     1   9999  0:09.00 Mon Jan  6 10:00:03 2025\n',
  );
  assert.deepEqual(
    processTree(t, 10)
      .map((p) => p.pid)
      .sort(),
    [10, 11, 12],
  );
  assert.deepEqual(treeUsage(t, 10), {
    memoryBytes: 6000 * 1024,
    cpuNsec: 3_100_000_000,
    startedAt: new Date(2025, 0, 6, 10, 0, 0).getTime(),
  });
  assert.equal(treeUsage(t, 99), null);
});

test('ps: the real ps of this machine parses, and finds this process under its parent', () => {
  const out = execFileSync('ps', [...PS_ARGS], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const table = parsePs(out);
  const me = table.get(process.pid);
  assert.ok(me, 'this process is listed');
  assert.equal(me.ppid, process.ppid);
  assert.ok(me.rssBytes > 10 * 1024 * 1024, `rss ${me.rssBytes}`);
  assert.ok(
    me.startedAt !== null && Math.abs(me.startedAt - (Date.now() - process.uptime() * 1000)) < 120_000,
    'start time is about when this process started',
  );
  assert.ok(processTree(table, process.ppid).some((p) => p.pid === process.pid));
});

test('PsSampler (ResourceSampler on macOS): manager counters when given, else one ps for the trees and the agent', async () => {
  const { PsSampler } = await import('../../agent/adapters/launchd/ps-sampler.js');
  const { ScriptedRunner } = await import('../helpers/scripted-runner.js');
  const { ps } = await import('../helpers/launchd-replay.js');
  const runner = new ScriptedRunner([
    ps([
      [10, 1, 1000, '0:01.00'],
      [11, 10, 3000, '0:02.00'],
      [50, 1, 40_000, '0:05.00'],
      [51, 50, 1, '0:00.00'],
    ]),
  ]);
  const s = new PsSampler(runner, {});
  const got = await s.sample([
    { service: 'a', pid: 99, managerMemoryBytes: 7, managerCpuNsec: 8 },
    { service: 'b', pid: 10, managerMemoryBytes: null, managerCpuNsec: null },
    { service: 'agent', pid: 50, processOnly: true, managerMemoryBytes: null, managerCpuNsec: null },
    { service: 'c', pid: null, managerMemoryBytes: null, managerCpuNsec: null },
    { service: 'd', pid: 77, managerMemoryBytes: null, managerCpuNsec: null },
  ]);
  runner.done();
  assert.deepEqual(got, [
    { service: 'a', cpuNsec: 8, memoryBytes: 7, processes: null, source: 'ps' },
    { service: 'b', cpuNsec: 3e9, memoryBytes: 4000 * 1024, processes: 2, source: 'ps' },
    { service: 'agent', cpuNsec: 5e9, memoryBytes: 40_000 * 1024, processes: 1, source: 'ps' },
    { service: 'c', cpuNsec: null, memoryBytes: null, processes: null, source: null },
    { service: 'd', cpuNsec: null, memoryBytes: null, processes: 0, source: 'ps' },
  ]);
  const quiet = new ScriptedRunner([]);
  await new PsSampler(quiet, {}).sample([{ service: 'a', pid: 1, managerMemoryBytes: 1, managerCpuNsec: 1 }]);
  assert.equal(quiet.calls.length, 0, 'no ps when the manager counted already');
  const [me] = await new PsSampler(quiet, {}).sample([
    { service: 'agent', pid: process.pid, processOnly: true, managerMemoryBytes: null, managerCpuNsec: null },
  ]);
  assert.equal(quiet.calls.length, 0, 'no ps for the agent itself');
  assert.ok(
    me!.cpuNsec! > 0 && me!.memoryBytes! > 10 * 1024 * 1024 && me!.processes === 1,
    JSON.stringify(me),
  );
});
