import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { main } from '../../agent/cli/main.js';
import type { Io } from '../../agent/cli/io.js';
import { registerVigilMetrics } from '../../agent/adapters/metrics/prometheus.js';
import { LazyMetrics } from '../../agent/adapters/metrics/lazy-metrics.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import { startFixture, type Fixture } from '../helpers/api-fixture.js';
import { FakeMonitor } from '../helpers/api-fakes.js';

function promtool(): string | null {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return 'promtool';
  if (process.env.CI)
    throw new Error('promtool is missing: .ci/run installs the Debian package "prometheus"');
  return null;
}
const PROMTOOL = promtool();

function io(cwd: string): Io & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (o.stdout += t),
    err: (t: string) => void (o.stderr += t),
    stdin: process.stdin,
    env: { ...process.env, VIGIL_HOME: path.join(cwd, 'vh') },
    cwd,
  };
  return o;
}

/** A scraped series: the agent's labels plus the job/instance Prometheus adds. */
const scraped = (name: string, instance: string, labels: Record<string, string> = {}) =>
  `${name}{${Object.entries({ job: 'vigil', instance, ...labels })
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

/**
 * Cost rules on series shaped like the agent's /metrics (usage-metrics.ts) as scraped from three agents:
 * mac:9 is over every cap and has a service stopped for spend, pi:9 is at 90 % of its daily budget,
 * box:9 is under 80 % with no monthly budget (+Inf).
 */
function costTest() {
  const s = (name: string, instance: string, values: string, labels: Record<string, string> = {}) => ({
    series: scraped(name, instance, labels),
    values,
  });
  const today = (instance: string, service: string, model: string, usd: number) =>
    s('vigil_spend_usd_today', instance, `${usd}x20`, { service, model });
  const mac = { job: 'vigil', instance: 'mac:9' };
  return {
    interval: '15s',
    input_series: [
      today('mac:9', 'core', 'claude-sonnet-4-5', 7),
      today('mac:9', 'core', 'gpt-4o', 2),
      today('mac:9', 'proxy', 'gpt-4o', 3),
      s('vigil_budget_daily_usd', 'mac:9', '10x20'),
      s('vigil_budget_service_daily_usd', 'mac:9', '8x20', { service: 'core' }),
      s('vigil_budget_service_daily_usd', 'mac:9', '5x20', { service: 'proxy' }),
      s('vigil_spend_usd_month', 'mac:9', '150x20', { service: 'core' }),
      s('vigil_spend_usd_month', 'mac:9', '60x20', { service: 'proxy' }),
      s('vigil_budget_monthly_usd', 'mac:9', '200x20'),
      // Stopped for two minutes, then resumed: the agent drops the series, which goes stale.
      s('vigil_budget_stopped', 'mac:9', '1x8 stale', { service: 'core' }),
      today('pi:9', 'core', 'gpt-4o', 9),
      s('vigil_budget_daily_usd', 'pi:9', '10x20'),
      today('box:9', 'core', 'claude-sonnet-4-5', 3),
      today('box:9', 'proxy', 'gpt-4o', 4),
      s('vigil_budget_daily_usd', 'box:9', '10x20'),
      s('vigil_spend_usd_month', 'box:9', '500x20', { service: 'core' }),
      s('vigil_budget_monthly_usd', 'box:9', 'Inf+0x20'),
    ],
    alert_rule_test: [
      {
        eval_time: '1m',
        alertname: 'VigilDailyBudgetExceeded',
        exp_alerts: [
          {
            exp_labels: { severity: 'critical', ...mac },
            exp_annotations: {
              summary: 'Daily model spend is over budget',
              description: 'Spend today on mac:9 is 12.00 USD, above the daily budget.',
            },
          },
        ],
      },
      {
        eval_time: '1m',
        alertname: 'VigilDailyBudgetNearlyExhausted',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', job: 'vigil', instance: 'pi:9' },
            exp_annotations: {
              summary: 'Daily model spend passed 80 % of the budget',
              description: 'Spend today on pi:9 is 9.00 USD.',
            },
          },
        ],
      },
      {
        eval_time: '1m',
        alertname: 'VigilMonthlyBudgetExceeded',
        exp_alerts: [
          {
            exp_labels: { severity: 'critical', ...mac },
            exp_annotations: {
              summary: 'Monthly model spend is over budget',
              description: 'Spend this month on mac:9 is 210.00 USD, above the monthly budget.',
            },
          },
        ],
      },
      {
        eval_time: '1m',
        alertname: 'VigilServiceBudgetExceeded',
        exp_alerts: [
          {
            exp_labels: { severity: 'critical', ...mac, service: 'core' },
            exp_annotations: {
              summary: 'core is over its daily spend cap',
              description: 'core on mac:9 spent 9.00 USD today, above its daily cap.',
            },
          },
        ],
      },
      {
        eval_time: '1m',
        alertname: 'VigilServiceStoppedForBudget',
        exp_alerts: [
          {
            exp_labels: { severity: 'critical', ...mac, service: 'core' },
            exp_annotations: {
              summary: 'core was stopped for spend',
              description:
                'Vigil on mac:9 stopped core because a budget was exceeded; it stays stopped until the next budget period or "vigil budget resume".',
            },
          },
        ],
      },
      { eval_time: '4m', alertname: 'VigilServiceStoppedForBudget', exp_alerts: [] },
    ],
  };
}

describe('vigil export alerts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-prom-'));

  it(
    'writes rules that pass `promtool check rules`',
    { skip: PROMTOOL === null && 'promtool not installed' },
    async () => {
      const o = io(dir);
      assert.equal(await main(['export', 'alerts', '--out', 'rules.yml'], o), 0, o.stderr);
      const file = path.join(dir, 'rules.yml');
      const text = readFileSync(file, 'utf8');
      for (const name of [
        'VigilServiceDown',
        'VigilServiceCrashLooping',
        'VigilHighProbeErrorRate',
        'VigilDailyBudgetExceeded',
        'VigilMonthlyBudgetExceeded',
        'VigilServiceBudgetExceeded',
        'VigilServiceStoppedForBudget',
      ]) {
        assert.match(text, new RegExp(`alert: ${name}`));
      }
      assert.match(text, /sum without \(service, model\) \(vigil_spend_usd_today\) > vigil_budget_daily_usd/);
      assert.doesNotMatch(
        text,
        /expr: vigil_spend_usd_today > /,
        'a {service,model} vector never matches the label-less budget',
      );
      const out = execFileSync(PROMTOOL!, ['check', 'rules', file], { encoding: 'utf8' });
      assert.match(
        out,
        /SUCCESS: 15 rules found/,
        'and the 4 metric rules that need no manifest (no memory limit, no hourly budget)',
      );
    },
  );

  it(
    'the rules fire as meant: promtool test rules on synthetic series',
    { skip: PROMTOOL === null && 'promtool not installed' },
    async () => {
      const o = io(dir);
      assert.equal(await main(['export', 'alerts'], o), 0);
      writeFileSync(path.join(dir, 'rules2.yml'), o.stdout);
      const tests = {
        rule_files: ['rules2.yml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              { series: 'vigil_service_up{service="api"}', values: '0x10' },
              { series: 'vigil_service_state{service="api",state="stopped"}', values: '0x10' },
              { series: 'vigil_service_up{service="off"}', values: '0x10' },
              { series: 'vigil_service_state{service="off",state="stopped"}', values: '1x10' },
              { series: 'vigil_service_restarts_total{service="loop"}', values: '0+1x60' },
            ],
            alert_rule_test: [
              {
                eval_time: '2m',
                alertname: 'VigilServiceDown',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', service: 'api' },
                    exp_annotations: {
                      summary: 'api is down',
                      description: 'The Vigil service api on  has not been running for 1m.',
                    },
                  },
                ],
              },
              {
                eval_time: '10m',
                alertname: 'VigilServiceCrashLooping',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', service: 'loop' },
                    exp_annotations: {
                      summary: 'loop is crash-looping',
                      description: 'loop on  keeps crashing and being restarted.',
                    },
                  },
                ],
              },
            ],
          },
          costTest(),
        ],
      };
      writeFileSync(path.join(dir, 'tests.yml'), stringify(tests));
      const r = spawnSync(PROMTOOL!, ['test', 'rules', path.join(dir, 'tests.yml')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    },
  );

  it('--json prints the same rules as one JSON document; a bad argument is a usage error', async () => {
    const o = io(dir);
    assert.equal(await main(['export', 'alerts', '--json'], o), 0);
    const doc = JSON.parse(o.stdout) as { groups: { name: string }[] };
    assert.deepEqual(
      doc.groups.map((g) => g.name),
      ['vigil-services', 'vigil-cost', 'vigil-metrics'],
    );
    assert.equal(await main(['export', 'dashboards'], io(dir)), 2);
    assert.equal(await main(['export', 'alerts', '--down-for', 'soon'], io(dir)), 2);
  });
});

function svc(name: string, over: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    name,
    unit: `vigil-${name}.service`,
    state: 'running',
    pid: 1,
    restarts: 0,
    since: null,
    lastExit: null,
    health: 'healthy',
    drifted: false,
    memoryBytes: 1024,
    cpuNsec: null,
    cpuPercent: 2.5,
    ...over,
  };
}

describe('/metrics', () => {
  it('exposes per-service up, restarts, health, cpu, memory, probes, alerts and the agent', async () => {
    const registry = new Registry();
    let doc: StatusDoc = {
      services: [
        svc('api'),
        svc('loop', { state: 'crashloop', health: 'down', restarts: 4, memoryBytes: null, cpuPercent: null }),
      ],
      agent: { pid: 9, cpuPercent: 0.3, memoryBytes: 50e6, usageSource: 'procfs' },
    };
    const m = registerVigilMetrics(
      {
        status: () => doc,
        probeCounts: (s) => (s === 'api' ? { healthy: 7, degraded: 1, down: 2 } : null),
        probeLatencyMs: (s) => (s === 'api' ? 12 : null),
        firing: () => [{ rule: 'crash-loop', service: 'loop', severity: 'critical' }],
      },
      new LazyMetrics(registry),
    );
    const text = await m.text();
    for (const line of [
      'vigil_service_up{service="api"} 1',
      'vigil_service_up{service="loop"} 0',
      'vigil_service_state{service="loop",state="crashloop"} 1',
      'vigil_service_restarts_total{service="loop"} 0',
      'vigil_service_health{service="loop",health="down"} 1',
      'vigil_service_health{service="api",health="healthy"} 1',
      'vigil_service_cpu_percent{service="api"} 2.5',
      'vigil_service_memory_bytes{service="api"} 1024',
      'vigil_health_probes_total{service="api",result="down"} 2',
      'vigil_health_probe_latency_seconds{service="api"} 0.012',
      'vigil_alerts_firing{rule="crash-loop",service="loop",severity="critical"} 1',
      'vigil_agent_cpu_percent 0.3',
      'vigil_agent_memory_bytes 50000000',
    ]) {
      assert.ok(text.includes(line), `missing ${line}\n${text}`);
    }
    assert.ok(
      !text.includes('vigil_service_memory_bytes{service="loop"}'),
      'unknown values are left out, not 0',
    );
    await new Promise((r) => setTimeout(r, 250));
    doc = { ...doc, services: [svc('api'), svc('loop', { restarts: 7 })] };
    assert.ok(
      (await m.text()).includes('vigil_service_restarts_total{service="loop"} 3'),
      'restarts counted as they happen',
    );
    if (PROMTOOL) {
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
  });

  describe('through the API server', () => {
    let fx: Fixture<FakeMonitor>;
    before(async () => {
      fx = await startFixture({ handlers: new FakeMonitor() });
    });
    after(async () => {
      await fx.close();
    });

    it('GET /metrics answers Prometheus text (socket without a token; HTTP with the bearer token)', async () => {
      const get = (opts: object) =>
        new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
          const req = request({ path: '/metrics', method: 'GET', ...opts }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
            );
          });
          req.on('error', reject);
          req.end();
        });
      const viaSocket = await get({ socketPath: fx.socketPath, headers: { host: 'localhost' } });
      assert.equal(viaSocket.status, 200);
      assert.equal(viaSocket.type, 'text/plain; version=0.0.4; charset=utf-8');
      assert.match(viaSocket.body, /^# HELP vigil_test/);
      const noToken = await get({ host: '127.0.0.1', port: fx.port });
      assert.equal(noToken.status, 401);
      const withToken = await get({
        host: '127.0.0.1',
        port: fx.port,
        headers: { authorization: `Bearer ${'a'.repeat(64)}` },
      });
      assert.equal(withToken.status, 200);
      assert.match(withToken.body, /vigil_test 1/);
    });
  });
});
