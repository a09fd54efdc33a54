/**
 * `vigil export alerts -f vigil.yaml`: the metric alert rules with each service's own thresholds, checked
 * by the real promtool — `check rules`, and `test rules` with input series for each of the six rules:
 * the service above its threshold alerts, the one below stays silent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { main } from '../../agent/cli/main.js';
import type { Io } from '../../agent/cli/io.js';
import { promDuration } from '../../agent/core/alerts/prom-metric-rules.js';

const PROMTOOL = spawnSync('promtool', ['--version']).status === 0 ? 'promtool' : null;
if (PROMTOOL === null && process.env.CI)
  throw new Error('promtool is missing: .ci/run installs the Debian package "prometheus"');

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

const MANIFEST = `
services:
  hot:
    command: [/bin/true]
    metrics: { url: "http://127.0.0.1:9001/metrics" }
    limits: { memory: 128M }
  calm:
    command: [/bin/true]
    metrics: { url: "http://127.0.0.1:9002/metrics", circuitBreaker: breaker_open }
    limits: { memory: 128M }
    alerts:
      errorRate: { abovePercent: 20 }
  quiet:
    command: [/bin/true]
    metrics: { url: "http://127.0.0.1:9003/metrics" }
    alerts: { errorRate: false, latencyP95: false, circuitBreaker: false, tokensPerRequest: false, costPerHour: false }
budget: { hourlyUsd: 10 }
`;

const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries({ job: 'agents', instance: 'box:1', ...labels })
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});
const SIX = [
  'VigilHighErrorRate',
  'VigilHighLatencyP95',
  'VigilMemoryNearLimit',
  'VigilCostPerHourOverBudget',
  'VigilCircuitBreakerOpen',
  'VigilHighTokensPerRequest',
];

describe('vigil export alerts: the metric alert rules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-promm-'));
  writeFileSync(path.join(dir, 'vigil.yaml'), MANIFEST);

  it(
    'one rule per service and enabled rule, with its own thresholds; promtool check rules passes',
    { skip: PROMTOOL === null && 'promtool not installed' },
    async () => {
      const o = io(dir);
      assert.equal(await main(['export', 'alerts', '--out', 'rules.yml'], o), 0, o.stderr);
      const doc = parseYaml(readFileSync(path.join(dir, 'rules.yml'), 'utf8')) as {
        groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
      };
      const g = doc.groups.find((x) => x.name === 'vigil-metrics')!;
      assert.deepEqual(
        g.rules.map((r) => r.alert),
        [...SIX, ...SIX],
        'six for hot, six for calm, none for quiet (all off, no limit)',
      );
      assert.equal(
        g.rules[0]!.expr,
        '100 * sum by (service) (rate(agent_requests_total{service="hot",status="error"}[5m])) / sum by (service) (rate(agent_requests_total{service="hot"}[5m])) > 5',
      );
      assert.equal(g.rules[0]!.for, '2m');
      assert.match(g.rules[6]!.expr, /> 20$/, "calm's own abovePercent");
      assert.equal(
        g.rules[10]!.expr,
        'count by (service) (breaker_open{service="calm"} > 0) > 0',
        'its own gauge name',
      );
      assert.equal(g.rules[2]!.expr, '100 * vigil_service_memory_bytes{service="hot"} / 134217728 > 80');
      assert.equal(g.rules[3]!.expr, 'sum by (service) (agent_cost_estimate_hourly{service="hot"}) > 20');
      const r = spawnSync(PROMTOOL!, ['check', 'rules', path.join(dir, 'rules.yml')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /SUCCESS: 23 rules found/);
    },
  );

  it(
    'promtool test rules: each rule fires for the service above its threshold, not for the one below',
    { skip: PROMTOOL === null && 'promtool not installed' },
    async () => {
      const o = io(dir);
      assert.equal(
        await main(['export', 'alerts', '-f', 'vigil.yaml', '--out', 'rules2.yml'], o),
        0,
        o.stderr,
      );
      const tests = {
        rule_files: ['rules2.yml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              // 10 % errors (hot: above 5 %), 10 % (calm: below its own 20 %).
              series('agent_requests_total', { service: 'hot', status: 'error', model: 'm' }, '0+2x60'),
              series('agent_requests_total', { service: 'hot', status: 'ok', model: 'm' }, '0+18x60'),
              series('agent_requests_total', { service: 'calm', status: 'error', model: 'm' }, '0+2x60'),
              series('agent_requests_total', { service: 'calm', status: 'ok', model: 'm' }, '0+18x60'),
              // hot: 90 % of requests take 1–30 s (p95 ≈ 28 s); calm: all under 1 s.
              series('agent_request_duration_seconds_bucket', { service: 'hot', le: '1' }, '0+1x60'),
              series('agent_request_duration_seconds_bucket', { service: 'hot', le: '30' }, '0+10x60'),
              series('agent_request_duration_seconds_bucket', { service: 'hot', le: '+Inf' }, '0+10x60'),
              series('agent_request_duration_seconds_bucket', { service: 'calm', le: '1' }, '0+10x60'),
              series('agent_request_duration_seconds_bucket', { service: 'calm', le: '30' }, '0+10x60'),
              series('agent_request_duration_seconds_bucket', { service: 'calm', le: '+Inf' }, '0+10x60'),
              // The agent's memory samples: hot at 89 % of 128M, calm at 37 %.
              series('vigil_service_memory_bytes', { job: 'vigil', service: 'hot' }, '120000000x60'),
              series('vigil_service_memory_bytes', { job: 'vigil', service: 'calm' }, '50000000x60'),
              // $25 an hour against 2 × $10 (hot); $15 (calm).
              series('agent_cost_estimate_hourly', { service: 'hot' }, '25x60'),
              series('agent_cost_estimate_hourly', { service: 'calm' }, '15x60'),
              // One of hot's breakers open; calm's (its own gauge name) closed.
              series('agent_circuit_breaker_open', { service: 'hot', breaker: 'llm' }, '1x60'),
              series('agent_circuit_breaker_open', { service: 'hot', breaker: 'db' }, '0x60'),
              series('breaker_open', { service: 'calm', breaker: 'llm' }, '0x60'),
            ],
            alert_rule_test: [
              {
                eval_time: '10m',
                alertname: 'VigilHighErrorRate',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', service: 'hot' },
                    exp_annotations: {
                      summary: "hot's error rate is high",
                      description: 'hot: error rate 10.0 % over 5m (threshold 5 %).',
                    },
                  },
                ],
              },
              {
                eval_time: '10m',
                alertname: 'VigilHighLatencyP95',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', service: 'hot' },
                    exp_annotations: {
                      summary: "hot's p95 latency is high",
                      description: 'hot: p95 request latency 28.4 s over 5m (threshold 10 s).',
                    },
                  },
                ],
              },
              {
                eval_time: '10m',
                alertname: 'VigilMemoryNearLimit',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', service: 'hot', job: 'vigil', instance: 'box:1' },
                    exp_annotations: {
                      summary: "hot's memory is near its limit",
                      description: 'hot: memory at 89.4 % of its limit of 134217728 bytes (threshold 80 %).',
                    },
                  },
                ],
              },
              { eval_time: '30s', alertname: 'VigilMemoryNearLimit', exp_alerts: [] },
              {
                eval_time: '10m',
                alertname: 'VigilCostPerHourOverBudget',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', service: 'hot' },
                    exp_annotations: {
                      summary: "hot's cost per hour is over budget",
                      description:
                        'hot: cost per hour $25.00 (threshold $20.00: 2× the hourly budget of $10.00).',
                    },
                  },
                ],
              },
              {
                eval_time: '10m',
                alertname: 'VigilCircuitBreakerOpen',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', service: 'hot' },
                    exp_annotations: {
                      summary: "hot's circuit breaker is open",
                      description: 'hot: 1 open circuit breaker(s) (threshold: any open).',
                    },
                  },
                ],
              },
            ],
          },
          {
            // A day at 100 tokens a request, then hot jumps to 1000 (above 2× its daily average); calm stays.
            interval: '1m',
            input_series: [
              series('agent_requests_total', { service: 'hot', status: 'ok' }, '0+10x1440'),
              series(
                'agent_tokens_total',
                { service: 'hot', direction: 'input' },
                '0+1000x1400 1410000+10000x40',
              ),
              series('agent_requests_total', { service: 'calm', status: 'ok' }, '0+10x1440'),
              series('agent_tokens_total', { service: 'calm', direction: 'input' }, '0+1000x1440'),
            ],
            alert_rule_test: [
              { eval_time: '1400m', alertname: 'VigilHighTokensPerRequest', exp_alerts: [] },
              {
                eval_time: '1440m',
                alertname: 'VigilHighTokensPerRequest',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', service: 'hot' },
                    exp_annotations: {
                      summary: "hot's token use per request is high",
                      description: 'hot: 1000 tokens per request over 5m (threshold: 2× the daily average).',
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      writeFileSync(path.join(dir, 'tests.yml'), stringify(tests));
      const r = spawnSync(PROMTOOL!, ['test', 'rules', path.join(dir, 'tests.yml')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    },
  );

  it('durations: whole hours and minutes short, else seconds', () => {
    assert.deepEqual(
      [promDuration(300), promDuration(90), promDuration(3600), promDuration(86400)],
      ['5m', '90s', '1h', '24h'],
    );
  });
});
