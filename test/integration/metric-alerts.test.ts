/**
 * The guide's alert table, built in: a real prometheus_client endpoint (test/fixtures/services/
 * guide_metrics.py, under /usr/bin/python3) runs as a real Vigil service on systemd; the real agent scrapes
 * it every second. One test per rule: push that one metric over its threshold, see the alert go out
 * through a JSON webhook naming the service, the value and the threshold (and no other metric rule fire),
 * push it back, see it resolve.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AlertsResponse } from '../../agent/api/contract.js';
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

const PYTHON = '/usr/bin/python3';
const SERVER = path.join(FIXTURES, 'services', 'guide_metrics.py');

interface Hooked {
  kind: string;
  severity: string;
  title: string;
  text: string;
  service: string;
  rule: string;
  alert: string;
  at: string;
}

describe('metric alert rules against a real prometheus_client endpoint (real systemd, real agent)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let rx: HttpFixture;
  let control: string;
  const p = uniquePrefix();
  const svc = `${p}-core`;

  const hooks = () => rx.received.filter((r) => r.path === '/hook').map((r) => JSON.parse(r.body) as Hooked);
  const set = (c: Record<string, number>) => writeFileSync(control, JSON.stringify(c));
  const metricRules = new Set([
    'error-rate',
    'latency-p95',
    'memory-high',
    'cost-per-hour',
    'circuit-breaker',
    'tokens-per-request',
  ]);

  /** Pushes one metric over, waits for its alert; checks value, threshold, that nothing else fired; then back and resolved. */
  async function firesAndResolves(
    tc: { diagnostic(m: string): void },
    rule: string,
    bad: Record<string, number>,
    text: RegExp,
    title: string,
    severity = 'warning',
  ): Promise<void> {
    const before = hooks().length;
    set(bad);
    const fired = await waitFor(
      `${rule} firing`,
      () =>
        hooks()
          .slice(before)
          .find((h) => h.kind === 'firing' && h.rule === rule),
      40_000,
      200,
    );
    assert.equal(fired.service, svc);
    assert.equal(fired.title, title);
    assert.equal(fired.severity, severity);
    const m = text.exec(fired.text);
    assert.ok(m, `${fired.text} should match ${text}`);
    // The first group, when there is one, is the value: above the threshold it names.
    if (m[1] !== undefined)
      assert.ok(Number(m[1]) > Number(/threshold \$?(\d+(\.\d+)?)/.exec(fired.text)![1]), fired.text);
    assert.ok(fired.text.startsWith(`${svc}: `), fired.text);
    tc.diagnostic(`fired: ${fired.text}`);
    set({});
    const resolved = await waitFor(
      `${rule} resolved`,
      () =>
        hooks()
          .slice(before)
          .find((h) => h.kind === 'resolved' && h.rule === rule),
      40_000,
      200,
    );
    assert.equal(resolved.title, `${svc} recovered`);
    tc.diagnostic(`resolved: ${resolved.text}`);
    const others = hooks()
      .slice(before)
      .filter((h) => h.kind === 'firing' && metricRules.has(h.rule) && h.rule !== rule);
    assert.deepEqual(
      others.map((h) => h.text),
      [],
      'the metrics below their thresholds stay silent',
    );
    const firing = (await t.json<AlertsResponse>(['alerts'])).firing.filter((a) => a.service === svc);
    assert.deepEqual(
      firing.map((a) => a.rule),
      [],
    );
  }

  before(async () => {
    t = await makeHome();
    rx = await startHttpFixture();
    rx.set('/hook', { status: 200, body: 'ok' });
    const port = await freePort();
    control = path.join(t.home, 'control.json');
    set({});
    const yaml = `services:
  ${svc}:
    command: [${PYTHON}, ${SERVER}, "${port}", ${control}]
    metrics: { url: "http://127.0.0.1:${port}/metrics", intervalSec: 1 }
    limits: { memory: 128M }
    alerts:
      errorRate: { windowSec: 5, forSec: 2 }
      latencyP95: { windowSec: 5, forSec: 2 }
      memory: { forSec: 2 }
      tokensPerRequest: { windowSec: 3, forSec: 2 }
alerts:
  desktop: false
  cooldownSec: 0
  webhooks:
    hook: { type: json, url: "${rx.url('/hook')}" }
budget: { hourlyUsd: 10 }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    t.env.VIGIL_SAMPLE_MS = '1000';
    agent = await startAgent(t);
    // Baseline traffic for a while: the daily token average needs some history.
    await waitFor(
      'scraped and sampled',
      async () =>
        (await t.json<{ services: { memoryBytes: number | null; state: string }[] }>(['status', svc]))
          .services[0]?.memoryBytes,
      30_000,
      250,
    );
  });
  after(async () => {
    // VIGIL_IT_KEEP_LOG=FILE keeps the service's log (for a failure that needs it) before the home is removed.
    if (process.env.VIGIL_IT_KEEP_LOG) {
      const { copyFileSync } = await import('node:fs');
      copyFileSync(path.join(t.env.VIGIL_HOME!, 'logs', `${svc}.log`), process.env.VIGIL_IT_KEEP_LOG);
      writeFileSync(
        `${process.env.VIGIL_IT_KEEP_LOG}.events`,
        (await t.vigil(['events', '--service', svc, '-n', '500'])).stdout,
      );
    }
    await agent?.kill().catch(() => undefined);
    await rx?.close();
    await t.cleanup();
  });

  it('errorRate: 30 % errors over the window is above 5 %; the baseline 1 % is not', async (tc) => {
    await firesAndResolves(
      tc,
      'error-rate',
      { errorPercent: 30 },
      /error rate (\d+(\.\d)?) % over 5 s \(\d+ of \d+ requests; threshold 5 %\)/,
      `${svc}'s error rate is high`,
    );
  });

  it('latencyP95: requests of 20 s give a p95 above 10 s (buckets of the guide); 0.3 s does not', async (tc) => {
    await firesAndResolves(
      tc,
      'latency-p95',
      { latencySec: 20 },
      /p95 request latency (\d+(\.\d+)?) s over 5 s \(threshold 10 s\)/,
      `${svc}'s p95 latency is high`,
    );
  });

  it('memory: 90 MB more is above 80 % of its 128M limit (from the resource samples)', async (tc) => {
    await firesAndResolves(
      tc,
      'memory-high',
      { extraMB: 90 },
      /memory \d+ MB, (\d+(\.\d)?) % of its 128 MB limit \(threshold 80 %\)/,
      `${svc}'s memory is near its limit`,
    );
  });

  it('costPerHour: $25 an hour is above 2 × the $10 hourly budget; $5 is not', async (tc) => {
    await firesAndResolves(
      tc,
      'cost-per-hour',
      { costPerHour: 25 },
      /cost per hour \$(25\.00) \(threshold \$20\.00: 2× the hourly budget of \$10\.00\)/,
      `${svc}'s cost per hour is over budget`,
      'critical',
    );
  });

  it('circuitBreaker: an open breaker alerts at once, named by its labels', async (tc) => {
    await firesAndResolves(
      tc,
      'circuit-breaker',
      { breakerOpen: 1 },
      /1 open circuit breaker: \{breaker="anthropic"\} \(threshold: any open\)/,
      `${svc}'s circuit breaker is open`,
    );
  });

  it('tokensPerRequest: 2000 tokens a request is above 2 × the daily average of ~100', async (tc) => {
    await firesAndResolves(
      tc,
      'tokens-per-request',
      { tokensPerRequest: 2000 },
      /(\d+(\.\d)?) tokens per request over 3 s \(threshold \d+(\.\d)?: 2× the daily average of \d+(\.\d)?\)/,
      `${svc}'s token use per request is high`,
    );
  });

  it('an agent restart while an alert fires neither resolves nor re-sends it; it resolves once when the breaker closes', async (tc) => {
    const before = hooks().length;
    set({ breakerOpen: 1 });
    await waitFor(
      'circuit-breaker firing',
      () =>
        hooks()
          .slice(before)
          .find((h) => h.kind === 'firing' && h.rule === 'circuit-breaker'),
      40_000,
      200,
    );
    // Killed once the delivery is recorded as sent (killed before that, the new agent rightly delivers it again).
    await waitFor(
      'delivery recorded',
      async () =>
        (await t.json<AlertsResponse>(['alerts'])).notifications.some(
          (n) =>
            n.rule === 'circuit-breaker' &&
            n.kind === 'firing' &&
            n.deliveries.every((d) => d.status === 'sent'),
        ),
      10_000,
      100,
    );
    await agent.kill();
    agent = await startAgent(t);
    // Longer than a condition is held without data (10 s): the new agent's own scrapes keep it firing.
    await new Promise((r) => setTimeout(r, 12_000));
    const firing = (await t.json<AlertsResponse>(['alerts'])).firing.filter(
      (a) => a.rule === 'circuit-breaker',
    );
    assert.equal(firing.length, 1);
    assert.match(firing[0]!.message, /1 open circuit breaker/);
    const mine = () =>
      hooks()
        .slice(before)
        .filter((h) => h.rule === 'circuit-breaker')
        .map((h) => h.kind);
    // A notification delivered twice would carry the same time: count the distinct ones.
    assert.equal(
      new Set(
        hooks()
          .slice(before)
          .filter((h) => h.rule === 'circuit-breaker')
          .map((h) => h.at),
      ).size,
      1,
    );
    assert.deepEqual(mine(), ['firing'], 'no recovery and no second page across the restart');
    set({});
    await waitFor('resolved', () => mine().includes('resolved'), 40_000, 200);
    assert.deepEqual(mine(), ['firing', 'resolved']);
    tc.diagnostic(`notifications across the restart: ${mine().join(', ')}`);
  });
});
