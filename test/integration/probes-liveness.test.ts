/**
 * TCP and exec health probes and the liveness restart, in a real agent against real systemd units: a real
 * redis-server probed by TCP, a worker probed by `redis-cli ping` (exec), a service probed on a port nobody
 * listens on, and a Python /health that hangs after a few answers (restarted, new PID, restarted-unhealthy,
 * and a crash loop once it keeps hanging).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import {
  FIXTURES,
  makeHome,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { freePort } from '../helpers/free-port.js';

const HANG = path.join(FIXTURES, 'services', 'hang-after.py');
const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');

describe('tcp and exec probes, liveness restarts (real systemd, real agent, real redis)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  const p = uniquePrefix();
  const redis = `${p}-redis`;
  const worker = `${p}-worker`;
  const lonely = `${p}-lonely`;
  const hung = `${p}-hung`;
  let redisPort: number;
  let nobodyPort: number;

  const status = async (name: string): Promise<ServiceStatus> =>
    (await t.json<StatusDoc>(['status', name])).services[0]!;
  const events = async (name: string): Promise<VigilEvent[]> =>
    (await t.json<{ events: VigilEvent[] }>(['events', '--service', name, '-n', '500'])).events;

  before(async () => {
    t = await makeHome();
    redisPort = await freePort();
    nobodyPort = await freePort();
    const hangPort = await freePort();
    const yaml = `services:
  ${redis}:
    command: [redis-server, --port, ${redisPort}, --bind, 127.0.0.1, --save, "", --appendonly, "no"]
    health: { tcp: "127.0.0.1:${redisPort}", intervalSec: 1, timeoutSec: 1, stableSec: 0 }
  ${worker}:
    command: [${SLEEPER}]
    health:
      exec: [redis-cli, -p, ${redisPort}, ping]
      intervalSec: 1
      timeoutSec: 2
      stableSec: 0
  ${lonely}:
    command: [${SLEEPER}]
    health: { tcp: "127.0.0.1:${nobodyPort}", intervalSec: 1, timeoutSec: 1, stableSec: 0 }
  ${hung}:
    command: [/usr/bin/python3, ${HANG}, ${hangPort}, 3]
    restart: { policy: always, delaySec: 0.2 }
    health: { url: "http://127.0.0.1:${hangPort}/health", intervalSec: 1, timeoutSec: 1, stableSec: 0, restartAfterFailures: 2 }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t?.cleanup();
  });

  it('tcp: redis-server accepting connections is healthy; a port nobody listens on is down, connection refused', async () => {
    const r = await waitFor(
      'redis healthy',
      async () => {
        const s = await status(redis);
        return s.health === 'healthy' ? s : undefined;
      },
      20_000,
      200,
    );
    assert.equal(r.probe?.health, 'healthy');
    assert.equal(r.probe?.httpStatus, null);
    assert.equal(r.healthReason, 'probe: passed');
    const l = await waitFor(
      'lonely down by its probe',
      async () => {
        const s = await status(lonely);
        return s.state === 'running' && s.probe?.health === 'down' ? s : undefined;
      },
      20_000,
      200,
    );
    assert.equal(l.health, 'down');
    assert.equal(l.probe?.error, `connection refused (127.0.0.1:${nobodyPort})`);
  });

  it('exec: redis-cli ping passes while redis runs, and fails with its own complaint once redis is stopped', async () => {
    await waitFor('worker healthy', async () => (await status(worker)).health === 'healthy', 20_000, 200);
    const stop = await t.vigil(['stop', redis]);
    assert.equal(stop.code, 0, stop.stderr);
    const w = await waitFor(
      'worker down',
      async () => {
        const s = await status(worker);
        return s.health === 'down' ? s : undefined;
      },
      20_000,
      200,
    );
    assert.equal(w.state, 'running', 'the worker itself runs on; only its probe fails');
    assert.equal(
      w.probe?.error,
      `/usr/bin/redis-cli exited with code 1: Could not connect to Redis at 127.0.0.1:${redisPort}: Connection refused`,
    );
    const start = await t.vigil(['start', redis]);
    assert.equal(start.code, 0, start.stderr);
    await waitFor(
      'worker healthy again',
      async () => (await status(worker)).health === 'healthy',
      20_000,
      200,
    );
  });

  it('liveness: a /health that stops answering is restarted after 2 failed probes (new PID, restarted-unhealthy), and a service that keeps hanging becomes a crash loop', async () => {
    // (It may have been restarted already while the tests above ran: the first such event is looked at.)
    const restartedEvent = await waitFor(
      'restarted-unhealthy',
      async () => (await events(hung)).find((e) => e.type === 'restarted-unhealthy'),
      30_000,
      250,
    );
    const oldPid = restartedEvent.data?.pid as number;
    const before = (await events(hung))
      .filter((e) => e.type === 'started' || e.type === 'restarted')
      .map((e) => e.data?.pid);
    assert.ok(
      before.includes(oldPid),
      `the restarted PID ${oldPid} was one the agent saw start (${before.join(', ')})`,
    );
    assert.equal(restartedEvent.severity, 'warning');
    assert.equal(restartedEvent.data?.failures, 2);
    assert.equal(restartedEvent.data?.error, 'timed out after 1000 ms');
    assert.match(
      restartedEvent.message,
      /was restarted after 2 failed health checks in a row \(last: timed out after 1000 ms\)/,
    );
    // The log's tail as the hung process left it, read before the restart: its last answer (the third, unless
    // a slow machine timed out an earlier one), not the new process's start-up line.
    assert.match(
      restartedEvent.logTail?.at(-1) ?? '',
      /^hang-after pid=\d+ request [1-3]: "GET \/health HTTP\/1.1" 200/,
      `log tail: ${restartedEvent.logTail?.join(' | ')}`,
    );
    const now = await waitFor(
      'a new process',
      async () => {
        const s = await status(hung);
        return s.state !== 'stopped' && s.pid && s.pid !== oldPid ? s : undefined;
      },
      20_000,
      200,
    );
    assert.notEqual(now.pid, oldPid);
    // It hangs again after 3 answers, every time: the third liveness restart inside a minute is a crash loop.
    const loop = await waitFor(
      'crashloop',
      async () => (await events(hung)).find((e) => e.type === 'crashloop'),
      60_000,
      500,
    );
    const all = await events(hung);
    const restarts = all.filter((e) => e.type === 'restarted-unhealthy');
    const story = all.map(
      (e) => `${new Date(e.at).toISOString().slice(17, 23)} ${e.type} ${e.data?.pid ?? ''}`,
    );
    assert.ok(
      restarts.length >= 3,
      `${restarts.length} liveness restarts before the crash loop:\n${story.join('\n')}`,
    );
    assert.equal(all.filter((e) => e.type === 'crashed').length, 0, 'it never exited on its own');
    assert.equal(
      all.filter((e) => e.type === 'killed').length,
      0,
      `its liveness restarts are intended exits, never kills:\n${story.join('\n')}`,
    );
    assert.match(loop.message, /is crash-looping: 3 failures/);
    assert.equal(
      new Set(restarts.map((e) => e.data?.pid)).size,
      restarts.length,
      'each restart replaced a different process',
    );
  });
});
