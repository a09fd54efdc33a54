/** Health probes, resources, alerts and /metrics in a real agent against real systemd units. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import type { AlertsResponse, ResourcesResponse } from '../../agent/api/contract.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  FIXTURES,
  makeHome,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { freePort } from '../helpers/free-port.js';

const SERVER = path.join(FIXTURES, 'services', 'health-server.mjs');

describe('health, resources and alerts (real systemd, real agent)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let rx: HttpFixture;
  let control: string;
  let token: string;
  let agentStarted = 0;
  const p = uniquePrefix();
  const web = `${p}-web`;

  const status = async (): Promise<ServiceStatus> => (await t.json<StatusDoc>(['status', web])).services[0]!;
  const api = async <T>(
    route: string,
    auth = true,
  ): Promise<{ status: number; text: string; json: () => T }> => {
    const res = await fetch(`${agent.httpUrl}${route}`, {
      headers: auth ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as T };
  };
  const bodies = (p: string) =>
    rx.received.filter((r) => r.path === p).map((r) => JSON.parse(r.body) as Record<string, unknown>);

  before(async () => {
    t = await makeHome();
    rx = await startHttpFixture();
    rx.set('/hook', { status: 200, body: 'ok' });
    rx.set('/slack', { status: 200, body: 'ok' });
    const port = await freePort();
    control = path.join(t.home, 'control.json');
    const creds = path.join(t.env.VIGIL_HOME!, 'credentials');
    mkdirSync(creds, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(creds, 'alerts.env'), `SLACK_URL=${rx.url('/slack')}\n`, { mode: 0o600 });
    chmodSync(path.join(creds, 'alerts.env'), 0o600);
    const yaml = `services:
  ${web}:
    command: [${process.execPath}, ${SERVER}, "${port}", ${control}, burn]
    restart: { policy: always, delaySec: 0.2 }
    health: { url: "http://127.0.0.1:${port}/health", intervalSec: 1, timeoutSec: 1, stableSec: 2 }
alerts:
  desktop: false
  downForSec: 1
  cooldownSec: 0
  webhooks:
    hook: { type: json, url: "${rx.url('/hook')}" }
    slack: { type: slack }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    t.env.VIGIL_SAMPLE_MS = '1000';
    agentStarted = Date.now();
    agent = await startAgent(t, ['--http', '127.0.0.1:0']);
    token = readFileSync(path.join(t.env.VIGIL_HOME!, 'agent.token'), 'utf8').trim();
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await rx?.close();
    await t.cleanup();
  });

  it('status carries health, the last probe, CPU and memory (with their source) and the agent itself', async () => {
    const s = await waitFor(
      'healthy with usage',
      async () => {
        const x = await status();
        return x.health === 'healthy' && x.cpuPercent != null && x.cpuPercent > 0 ? x : undefined;
      },
      30_000,
      250,
    );
    assert.equal(s.probe?.health, 'healthy');
    assert.equal(s.probe?.httpStatus, 200);
    assert.deepEqual(s.probe?.checks, { self: 'ok' });
    assert.ok((s.memoryBytes ?? 0) > 5 * 1024 * 1024, `memory ${s.memoryBytes}`);
    assert.ok(s.usageSource === 'procfs' || s.usageSource === 'systemd', `source ${s.usageSource}`);
    assert.ok(s.cpuPercent! > 1, `the fixture burns ~20 % of a core: ${s.cpuPercent}`);
    const doc = await t.json<StatusDoc>(['status']);
    assert.equal(doc.overall, 'healthy');
    assert.ok((doc.agent?.memoryBytes ?? 0) > 10 * 1024 * 1024, 'the agent reports its own memory');
    assert.equal(doc.agent?.usageSource, 'procfs');
    const table = await t.vigil(['status']);
    assert.match(table.stdout, /HEALTH.*CPU.*MEM/);
    assert.match(table.stdout, new RegExp(`${web}\\s+running\\s+healthy`));
  });

  it('a failing probe makes it down, alerts through the JSON and Slack webhooks, then recovers', async () => {
    writeFileSync(control, JSON.stringify({ code: 503, body: { status: 'unhealthy' } }));
    const down = await waitFor(
      'down',
      async () => ((await status()).health === 'down' ? await status() : undefined),
      15_000,
      200,
    );
    assert.equal(down.probe?.httpStatus, 503);
    const fired = await waitFor(
      'json webhook',
      () => bodies('/hook').find((b) => b.kind === 'firing'),
      15_000,
      100,
    );
    assert.equal(fired.title, `${web} is down`);
    assert.equal(fired.severity, 'critical');
    assert.equal(fired.rule, 'service-down');
    const slack = await waitFor(
      'slack webhook',
      () => bodies('/slack').find((b) => String(b.text).includes('is down')),
      15_000,
      100,
    );
    assert.ok(Array.isArray(slack.blocks), 'Slack blocks');
    writeFileSync(control, JSON.stringify({ code: 200, body: { status: 'healthy' } }));
    await waitFor('healthy again', async () => (await status()).health === 'healthy', 20_000, 200);
    const resolved = await waitFor(
      'recovery notice',
      () => bodies('/hook').find((b) => b.kind === 'resolved'),
      15_000,
      100,
    );
    assert.equal(resolved.title, `${web} recovered`);
    const alerts = await t.json<AlertsResponse>(['alerts']);
    assert.deepEqual(alerts.channels, ['hook', 'slack']);
    const sent = alerts.notifications.filter((n) => n.service === web);
    assert.ok(sent.length >= 2);
    for (const n of sent)
      assert.deepEqual(
        n.deliveries.map((d) => [d.channel, d.status]),
        [
          ['hook', 'sent'],
          ['slack', 'sent'],
        ],
      );
    const types = (
      await t.json<{ events: VigilEvent[] }>(['events', '--service', web, '-n', '500'])
    ).events.map((e) => e.type);
    for (const want of ['health-ok', 'health-down', 'alert-firing', 'alert-resolved'] as const)
      assert.ok(types.includes(want), `${want} in ${types.join(',')}`);
  });

  it('samples seldom while nobody looks, often while a stream is open: history for sparklines; Prometheus metrics with the token', async () => {
    const points = async () => {
      const r = await api<ResourcesResponse>(
        `/api/resources?service=${web}&since=${agentStarted - 1000}&points=500`,
      );
      assert.equal(r.status, 200);
      const series = r.json().series[0]!;
      assert.equal(series.resolution, 'raw');
      return series.points;
    };
    // No stream so far, no limits: the process's first two readings (memory, then CPU %), then once a
    // minute — at VIGIL_SAMPLE_MS=1000 these tests would have stored one a second.
    const idle = await points();
    const minutes = Math.ceil((Date.now() - agentStarted) / 60_000);
    assert.ok(idle.length >= 2 && idle.length <= 2 + minutes, `${idle.length} points in ${minutes} min`);
    // The dashboard is open (an event stream): every second again.
    const client = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    const ctl = new AbortController();
    const stream = client.streamEvents({}, () => undefined, ctl.signal).catch(() => undefined);
    let viewed: Awaited<ReturnType<typeof points>>;
    try {
      viewed = await waitFor(
        'three more points while viewed',
        async () => {
          const p = await points();
          return p.length >= idle.length + 3 ? p : undefined;
        },
        10_000,
        250,
      );
    } finally {
      ctl.abort();
      await stream;
    }
    assert.ok(viewed.some((x) => (x.cpuMax ?? 0) > 0));
    const all = (await api<ResourcesResponse>('/api/resources')).json();
    assert.deepEqual(
      all.series.map((s) => s.service),
      [web, 'agent'],
    );
    assert.equal((await api('/metrics', false)).status, 401);
    const m = await api('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, new RegExp(`vigil_service_up\\{service="${web}"\\} 1`));
    assert.match(m.text, new RegExp(`vigil_service_health\\{service="${web}",health="healthy"\\} 1`));
    assert.match(m.text, /vigil_agent_memory_bytes \d+/);
  });

  it('no webhook URL reaches the database', () => {
    const db = path.join(t.env.VIGIL_HOME!, 'vigil.db');
    for (const f of [db, `${db}-wal`]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f).toString('latin1');
      assert.ok(!bytes.includes(`127.0.0.1:${rx.port}`), `${path.basename(f)} holds a webhook URL`);
    }
  });

  it('an agent killed without a clean stop alerts once it is back', async () => {
    await agent.kill();
    agentStarted = Date.now();
    agent = await startAgent(t, ['--http', '127.0.0.1:0']);
    const shot = await waitFor(
      'agent-restarted alert',
      () => bodies('/hook').find((b) => b.rule === 'agent-restarted'),
      15_000,
      100,
    );
    assert.equal(shot.title, 'Vigil agent restarted after an unclean stop');
    assert.equal(shot.severity, 'warning');
    await agent.stop();
    agentStarted = Date.now();
    agent = await startAgent(t, ['--http', '127.0.0.1:0']);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(
      bodies('/hook').filter((b) => b.rule === 'agent-restarted').length,
      1,
      'a clean stop and start: no alert',
    );
    assert.equal(
      (await status()).health,
      'healthy',
      'health survives the restart (persisted), no flap to unknown',
    );
  });

  it('vigil alerts test reaches every channel', async () => {
    const r = await t.vigil(['alerts', 'test']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hook: sent\nslack: sent/);
    assert.ok(bodies('/hook').some((b) => b.kind === 'test'));
  });
});
