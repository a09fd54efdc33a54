/**
 * Stopping and memory limits against real systemd units, with the agent running:
 * - stopTimeoutSec: 2 with a process that ignores SIGTERM: killed after ~2 s, a stop-timeout event (not a crash);
 * - `vigil stop` of a service with a 15 s graceful shutdown succeeds (no 10 s client timeout) and the
 *   status says `stopping` meanwhile;
 * - limits.memory 64M on this cgroup v1/hybrid host (MemoryMax= is ignored): the agent restarts the service
 *   that grows past it, with an event naming the limit; doctor and status say the agent enforces it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  BIN,
  FIXTURES,
  makeHome,
  run,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { detectMemoryMax, readTextSync } from '../../agent/adapters/systemd/memory-enforcement.js';

const HOG = path.join(FIXTURES, 'services', 'memory-hog.py');
const PYTHON = '/usr/bin/python3';

describe('stopping and memory limits (real systemd, agent running)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let api: ApiClient;
  const p = uniquePrefix();
  const stubborn = `${p}-stubborn`;
  const slow = `${p}-slow`;
  const hog = `${p}-hog`;

  before(async () => {
    t = await makeHome();
    const yaml = `stopTimeoutSec: 30
services:
  ${stubborn}:
    command: [/bin/sh, -c, "trap '' TERM; echo up; while :; do sleep 0.2; done"]
    stopTimeoutSec: 2
  ${slow}:
    command: [/bin/sh, -c, "trap 'echo draining; sleep 15; echo drained; exit 0' TERM; echo up; while :; do sleep 0.2; done"]
  ${hog}:
    command: [${PYTHON}, ${HOG}, "4"]
    limits: { memory: 64M }
    restart: { policy: always, delaySec: 1 }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  const events = async (service: string): Promise<VigilEvent[]> =>
    (await api.events({ limit: 10000, service })).events;
  const state = async (service: string) => (await api.status()).services.find((s) => s.name === service);

  it('limits.memory 64M where MemoryMax= is ignored: the agent restarts the service past it, naming the limit', async () => {
    const support = detectMemoryMax(readTextSync, process.getuid?.() ?? 0);
    assert.equal(
      support.enforced,
      false,
      `this test expects a host where MemoryMax= is not enforced (${support.why})`,
    );
    const first = await waitFor(
      'hog running',
      async () => {
        const s = await state(hog);
        return s?.state === 'running' && s.pid !== null ? s : undefined;
      },
      15_000,
    );
    assert.equal(first.memoryLimitBytes, 64 * 1024 * 1024);
    assert.equal(first.memoryEnforcement, 'agent');
    const e = await waitFor(
      'oom-killed event',
      async () => (await events(hog)).find((x) => x.type === 'oom-killed'),
      30_000,
      200,
    );
    assert.equal(
      e.message,
      `${hog} went over its memory limit; Vigil ended it (agent-enforced limit) (limits.memory 64M)`,
    );
    assert.equal(e.exit?.result, 'memory-limit');
    await waitFor(
      'a new process',
      async () => {
        const s = await state(hog);
        return s?.state === 'running' && s.pid !== null && s.pid !== first.pid ? s : undefined;
      },
      30_000,
      200,
    );
    const log = readFileSync(path.join(t.env.VIGIL_HOME!, 'logs', `${hog}.log`), 'utf8');
    const peak = Math.max(...[...log.matchAll(/hog at (\d+) MiB/g)].map((m) => Number(m[1])));
    assert.ok(peak < 200, `stopped well before it grew far past the limit (peak ${peak} MiB)`);
    const table = await t.vigil(['status', hog]);
    assert.match(table.stdout, /\/64\.0M agent/);
    const doctor = await t.vigil(['doctor']);
    assert.match(
      doctor.stdout,
      new RegExp(
        `memory limits\\s+OK\\s+agent-enforced \\(cgroup v1/hybrid: .*\\): the agent restarts a service over its limit; limits.memory of ${hog}`,
      ),
    );
    assert.equal((await t.vigil(['stop', hog])).code, 0);
  });

  it('stopTimeoutSec: 2, SIGTERM ignored: vigil stop (and restart) return after ~2 s; a stop-timeout warning, no crash', async () => {
    const unit = readFileSync(
      path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user', `vigil-${stubborn}.service`),
      'utf8',
    );
    assert.match(unit, /^TimeoutStopSec=2$/m);
    await waitFor('running', async () => (await state(stubborn))?.state === 'running', 15_000);
    const t0 = Date.now();
    const r = await t.vigil(['stop', stubborn], { timeoutMs: 60_000 });
    const took = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no progress line when stderr is not a terminal');
    assert.ok(took >= 1900 && took < 10_000, `stopped after ~2 s (took ${took} ms)`);
    const e = await waitFor(
      'stop-timeout event',
      async () => (await events(stubborn)).find((x) => x.type === 'stop-timeout'),
      10_000,
    );
    assert.equal(e.severity, 'warning');
    assert.equal(
      e.message,
      `${stubborn} did not stop within its stop timeout (2 s) and was killed (SIGKILL)`,
    );
    assert.equal(e.exit?.result, 'timeout');
    const all = await events(stubborn);
    assert.deepEqual(
      all.filter((x) => ['crashed', 'crashloop', 'start-limit-hit', 'oom-killed'].includes(x.type)),
      [],
      'not a crash',
    );
    const s = await waitFor('stopped', async () => {
      const x = await state(stubborn);
      return x?.state === 'stopped' ? x : undefined;
    });
    assert.equal(s.pid, null);
    // restart: the stop half times out too; then it runs again, and still no crash.
    assert.equal((await t.vigil(['start', stubborn])).code, 0);
    const before = await waitFor(
      'running again',
      async () => {
        const x = await state(stubborn);
        return x?.state === 'running' && x.pid !== null ? x : undefined;
      },
      15_000,
    );
    const rr = await t.json<{ services: { state: string; pid: number }[] }>(['restart', stubborn]);
    assert.equal(rr.services[0]!.state, 'running');
    assert.notEqual(rr.services[0]!.pid, before.pid);
    await waitFor(
      'a second stop-timeout',
      async () => (await events(stubborn)).filter((x) => x.type === 'stop-timeout').length === 2,
      10_000,
    );
    assert.deepEqual(
      (await events(stubborn)).filter((x) => x.type === 'crashed'),
      [],
    );
  });

  it('a 15 s graceful shutdown: vigil stop succeeds (no 10 s client timeout), status says stopping meanwhile', async () => {
    await waitFor('running', async () => (await state(slow))?.state === 'running', 15_000);
    const t0 = Date.now();
    // On a terminal (script(1) gives it one): the progress line is drawn while it waits.
    const stopping = run('script', ['-qec', `${process.execPath} ${BIN} stop ${slow}`, '/dev/null'], t.env, {
      timeoutMs: 90_000,
    });
    const seen = await waitFor(
      'stopping',
      async () => {
        const d = await t.json<StatusDoc>(['status', slow]);
        return d.services[0]?.state === 'stopping' ? d.services[0] : undefined;
      },
      10_000,
      200,
    );
    assert.equal(seen.stopTimeoutSec, 30);
    const r = await stopping;
    const took = Date.now() - t0;
    assert.equal(r.code, 0, `vigil stop failed after ${took} ms: ${r.stderr}`);
    assert.ok(took >= 14_000, `it waited for the whole shutdown (${took} ms)`);
    assert.match(r.stdout, new RegExp(`${slow}\\s+stopped`));
    assert.match(r.stdout, new RegExp(`stopping ${slow}… 1[0-9] s`), 'the progress line counted past 10 s');
    const types = (await events(slow)).map((e) => e.type);
    assert.ok(!types.includes('stop-timeout') && !types.includes('crashed'), types.join(','));
    const log = readFileSync(path.join(t.env.VIGIL_HOME!, 'logs', `${slow}.log`), 'utf8');
    assert.match(log, /draining\ndrained\n/);
  });
});
