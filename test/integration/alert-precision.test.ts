/**
 * Alert precision against real systemd units and a real agent: a kill -9 with a fast restart and a
 * stable period longer than downForSec pages nothing; `vigil stop` of a service that takes longer than
 * downForSec to stop pages nothing, nor does `vigil start`; an outside SIGTERM is a `killed` event; a
 * crash loop fixed by an apply, with the agent started within 60 s, is running at once and pages nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import {
  FIXTURES,
  makeHome,
  run,
  sleep,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { freePort } from '../helpers/free-port.js';

const SERVER = path.join(FIXTURES, 'services', 'health-server.mjs');

describe('alert precision (real systemd, real agent)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let rx: HttpFixture;
  const p = uniquePrefix();
  const web = `${p}-web`;
  const slow = `${p}-slow`;

  const status = async (name: string): Promise<ServiceStatus> =>
    (await t.json<StatusDoc>(['status', name])).services[0]!;
  const pages = (service: string) =>
    rx.received
      .filter((r) => r.path === '/hook')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((b) => b.kind === 'firing' && b.service === service);
  const events = async (service: string) =>
    (await t.json<{ events: VigilEvent[] }>(['events', '--service', service, '-n', '500'])).events;

  before(async () => {
    t = await makeHome();
    rx = await startHttpFixture();
    rx.set('/hook', { status: 200, body: 'ok' });
    const port = await freePort();
    // downForSec 3 < stableSec 6: before issue 11 every kill -9 of web paged although it was back at once.
    const yaml = `services:
  ${web}:
    command: [${process.execPath}, ${SERVER}, "${port}", ${path.join(t.home, 'control.json')}]
    restart: { policy: always, delaySec: 0.5 }
    health: { url: "http://127.0.0.1:${port}/health", intervalSec: 1, timeoutSec: 1, stableSec: 6 }
  ${slow}:
    command: [/bin/sh, -c, "trap 'sleep 6; exit 0' TERM; while :; do sleep 0.2; done"]
    restart: { policy: always, delaySec: 0.5 }
alerts:
  desktop: false
  downForSec: 3
  cooldownSec: 0
  webhooks:
    hook: { type: json, url: "${rx.url('/hook')}" }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    await waitFor(
      'both healthy',
      async () => (await status(web)).health === 'healthy' && (await status(slow)).health === 'healthy',
      30_000,
      250,
    );
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await rx?.close();
    await t.cleanup();
  });

  it('kill -9 with a fast restart and stableSec 6 > downForSec 3: red for a while, no page', async () => {
    const before = await status(web);
    await run('kill', ['-9', String(before.pid)], t.env, {});
    const back = await waitFor(
      'a new pid',
      async () => {
        const s = await status(web);
        return s.pid !== null && s.pid !== before.pid && s.state === 'running' ? s : undefined;
      },
      15_000,
      100,
    );
    assert.notEqual(back.health, 'healthy', 'not green before the stable period');
    await waitFor('healthy again', async () => (await status(web)).health === 'healthy', 20_000, 250);
    await sleep(1500); // a tick or two after green, for any late page
    assert.deepEqual(pages(web), []);
    assert.ok(
      (await events(web)).some((e) => e.type === 'crashed'),
      'the crash itself is recorded',
    );
  });

  it('vigil stop of a service that takes 6 s to stop (downForSec 3) and vigil start: no page', async () => {
    const r = await t.vigil(['stop', slow], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('stopped', async () => (await status(slow)).state === 'stopped', 20_000, 250);
    await sleep(1500);
    const started = await t.vigil(['start', slow]);
    assert.equal(started.code, 0, started.stderr);
    await waitFor('running again', async () => (await status(slow)).health === 'healthy', 30_000, 250);
    await sleep(1500);
    assert.deepEqual(pages(slow), []);
    const types = (await events(slow)).map((e) => e.type);
    assert.ok(types.includes('stopped'));
    assert.ok(!types.includes('killed') && !types.includes('crashed'), types.join(','));
  });

  it('a SIGTERM from outside Vigil is a killed event (warning)', async () => {
    const before = await status(web);
    await run('kill', ['-TERM', String(before.pid)], t.env, {});
    const killed = await waitFor(
      'killed event',
      async () => (await events(web)).find((e) => e.type === 'killed'),
      20_000,
      250,
    );
    assert.equal(killed.severity, 'warning');
    assert.match(killed.message, /from outside Vigil/);
  });
});

describe('a fixed crash loop with the agent started within 60 s (real systemd)', () => {
  let t: TestHome;
  let agent: AgentProcess | null = null;
  let rx: HttpFixture;
  const p = uniquePrefix();
  const svc = `${p}-fix`;

  before(async () => {
    t = await makeHome();
    rx = await startHttpFixture();
    rx.set('/hook', { status: 200, body: 'ok' });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await rx?.close();
    await t.cleanup();
  });

  it('start limit hit, fixed command applied, agent started: running and healthy, never crashloop, no page', async () => {
    const port = await freePort();
    const alerts = `alerts:\n  desktop: false\n  downForSec: 3\n  cooldownSec: 0\n  webhooks:\n    hook: { type: json, url: "${rx.url('/hook')}" }\n`;
    const manifest = (command: string) =>
      `services:\n  ${svc}:\n    command: ${command}\n    restart: { policy: always, delaySec: 0.2, burst: 3, intervalSec: 30 }\n    health: { url: "http://127.0.0.1:${port}/health", intervalSec: 1, timeoutSec: 1, stableSec: 2 }\n${alerts}`;
    await t.json(['apply', '-f', t.manifest(manifest('[/bin/sh, -c, "exit 3"]'))]);
    // systemd gave up on it (systemd 252 keeps Result=exit-code then: failed after restarts)
    await waitFor(
      'the start limit',
      async () => {
        const r = await run(
          'systemctl',
          ['--user', 'show', '-p', 'ActiveState,NRestarts', `vigil-${svc}.service`],
          t.env,
          {},
        );
        return (r.stdout.includes('ActiveState=failed') && !r.stdout.includes('NRestarts=0')) || undefined;
      },
      20_000,
      200,
    );
    await t.json([
      'apply',
      '-f',
      t.manifest(manifest(`[${process.execPath}, ${SERVER}, "${port}", ${path.join(t.home, 'none.json')}]`)),
    ]);
    agent = await startAgent(t);
    const states = new Set<string>();
    await waitFor(
      'healthy',
      async () => {
        const s = await status(t, svc);
        states.add(s.state);
        return s.health === 'healthy' || undefined;
      },
      30_000,
      100,
    );
    await sleep(2000);
    states.add((await status(t, svc)).state);
    assert.deepEqual(
      [...states].filter((x) => x === 'crashloop' || x === 'failed'),
      [],
      `states seen: ${[...states].join(', ')}`,
    );
    const pages = rx.received
      .filter((r) => r.path === '/hook')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((b) => b.kind === 'firing');
    assert.deepEqual(pages, []);
    const types = (
      await t.json<{ events: VigilEvent[] }>(['events', '--service', svc, '-n', '500'])
    ).events.map((e) => e.type);
    assert.ok(types.includes('crashed'), 'the old crashes are still recorded as history');
  });
});

async function status(t: TestHome, name: string): Promise<ServiceStatus> {
  return (await t.json<StatusDoc>(['status', name])).services[0]!;
}
