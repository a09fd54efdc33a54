/** The Vigil agent against real systemd units: kill -9 → event, crash loop, no duplicates across restarts, API. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  FIXTURES,
  makeHome,
  startAgent,
  waitFor,
  sleep,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
const CRASH = path.join(FIXTURES, 'services', 'crash.sh');

describe('vigil agent (real systemd)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let api: ApiClient;
  const p = uniquePrefix();
  const web = `${p}-web`;
  const bad = `${p}-bad`;

  before(async () => {
    t = await makeHome();
    const yaml = `services:
  ${web}:
    command: [${SLEEPER}]
    restart: { policy: always, delaySec: 0.1 }
  ${bad}:
    command: [${CRASH}, "3"]
    restart: { policy: on-failure, delaySec: 0.2, burst: 3, intervalSec: 30 }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  const events = async (service?: string): Promise<VigilEvent[]> =>
    (await api.events({ limit: 10000, ...(service ? { service } : {}) })).events;

  it('a service that exits 3 at once becomes crashloop, with code 3 and its last log lines', async () => {
    const loop = await waitFor(
      'crashloop event',
      async () => (await events(bad)).find((e) => e.type === 'crashloop'),
      15_000,
    );
    assert.equal(loop.severity, 'critical');
    assert.equal(loop.exit?.code, 3);
    assert.match(loop.exit?.reason ?? '', /exited with code 3/);
    assert.ok(
      loop.logTail?.some((l) => l.includes('fatal: cannot connect to upstream')),
      `log tail: ${loop.logTail?.join(' | ')}`,
    );
    const crashes = (await events(bad)).filter((e) => e.type === 'crashed');
    assert.ok(crashes.length >= 3, `crashed events: ${crashes.length}`);
    const s = await waitFor('status crashloop', async () => {
      const st = (await api.status()).services.find((x) => x.name === bad);
      return st?.state === 'crashloop' ? st : undefined;
    });
    assert.equal(s.lastExit?.code, 3);
    const cli = await t.json<StatusDoc>(['status', bad]);
    assert.equal(cli.services[0]!.state, 'crashloop', 'the CLI (through the agent) says the same');
  });

  it('kill -9 → a crashed event within 1 s and the restart counted', async () => {
    const before = await waitFor('web running', async () =>
      (await api.status()).services.find((s) => s.name === web && s.state === 'running' && s.pid),
    );
    const seen = new Set((await events(web)).map((e) => e.id));
    const killedAt = Date.now();
    process.kill(before.pid!, 'SIGKILL');
    const crashed = await waitFor(
      'crashed event',
      async () => (await events(web)).find((e) => !seen.has(e.id) && e.type === 'crashed'),
      5000,
      10,
    );
    const latency = Date.now() - killedAt;
    assert.ok(latency < 1000, `event after ${latency} ms`);
    assert.equal(crashed.exit?.signal, 'SIGKILL');
    assert.match(crashed.message, /SIGKILL/);
    const after = await waitFor('restarted', async () =>
      (await api.status()).services.find(
        (s) => s.name === web && s.state === 'running' && s.pid !== before.pid,
      ),
    );
    assert.equal(after.restarts, before.restarts + 1);
    const restarted = await waitFor('restarted event', async () =>
      (await events(web)).find((e) => !seen.has(e.id) && e.type === 'restarted'),
    );
    assert.equal(restarted.data?.pid, after.pid);
  });

  it('stopping and killing the agent and starting it again records no duplicate events', async () => {
    // web was killed by the previous test: let it become healthy again (its stable period), so the only
    // events it could add later would be duplicates — which is what this test looks for.
    await waitFor(
      'web healthy again',
      async () => (await api.status()).services.find((s) => s.name === web && s.health === 'healthy'),
      30_000,
    );
    await sleep(1500);
    const snapshot = (await events()).filter((e) => !e.type.startsWith('agent-'));
    assert.equal(await agent.stop(), 0, 'SIGTERM exits 0');
    agent = await startAgent(t);
    await sleep(2500);
    await agent.kill();
    agent = await startAgent(t);
    await sleep(2500);
    const now = (await events()).filter((e) => !e.type.startsWith('agent-'));
    const keys = now.map((e) => e.key);
    assert.equal(new Set(keys).size, keys.length, 'keys unique');
    // Only the crash-looping service may have produced new events meanwhile; web produced none.
    const newWeb = now.filter((e) => e.service === web && !snapshot.some((s) => s.id === e.id));
    assert.deepEqual(
      newWeb.map((e) => `${e.type}:${e.message}`),
      [],
    );
    const types = (await events()).map((e) => e.type);
    assert.equal(types.filter((x) => x === 'agent-started').length, 3);
    assert.equal(types.filter((x) => x === 'agent-stopped').length, 1, 'only the SIGTERM stop is recorded');
  });

  it('serves status and restart over the socket; the CLI goes through it', async () => {
    const before = (await api.status()).services.find((s) => s.name === web)!;
    const r = await t.json<{ services: { pid: number }[] }>(['restart', web]);
    assert.notEqual(r.services[0]!.pid, before.pid);
    const unknown = await t.vigil(['restart', `${p}-nope`]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown service/);
  });

  it('serves loopback HTTP with the bearer token only', async () => {
    await agent.stop();
    agent = await startAgent(t, ['--http', '127.0.0.1:0']);
    const base = agent.httpUrl!;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const token = readFileSync(path.join(t.env.VIGIL_HOME!, 'agent.token'), 'utf8').trim();
    assert.equal((await fetch(`${base}/api/status`)).status, 401);
    const ok = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    const doc = (await ok.json()) as StatusDoc;
    assert.deepEqual(doc.services.map((s) => s.name).sort(), [bad, web].sort());
  });
});
