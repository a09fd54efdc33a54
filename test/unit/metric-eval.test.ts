import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConditionTracker,
  readRules,
  type MetricInputs,
  type Reading,
} from '../../agent/core/alerts/metric-eval.js';
import { MetricWindow } from '../../agent/core/alerts/metric-window.js';
import {
  DEFAULT_METRIC_NAMES,
  METRIC_RULE_DEFAULTS,
  resolveMetricRules,
  type MetricRules,
} from '../../agent/core/alerts/metric-rules.js';
import { AlertEngine } from '../../agent/core/alerts/engine.js';
import { DEFAULT_ALERTS } from '../../agent/core/alerts/config.js';
import type { Sample } from '../../agent/core/usage/prom-text.js';

const all = resolveMetricRules({}, undefined);
const s = (name: string, labels: Record<string, string>, value: number): Sample => ({ name, labels, value });

function inputs(w: MetricWindow | null, over: Partial<MetricInputs> = {}): MetricInputs {
  return {
    service: 'core',
    rules: all,
    names: DEFAULT_METRIC_NAMES,
    window: w,
    memoryBytes: null,
    memoryLimitBytes: null,
    hourlyUsd: null,
    ...over,
  };
}
const only = (rs: Reading[], rule: string) => rs.find((r) => r.rule === rule);

/** Two scrapes 60 s apart: `ok` and `err` requests in between (and tokens, buckets…). */
function window(opts: {
  ok: number;
  err: number;
  slow?: number;
  fast?: number;
  tokens?: number;
  breaker?: number;
  cost?: number;
}): MetricWindow {
  const w = new MetricWindow(DEFAULT_METRIC_NAMES, 300_000);
  const at = (k: number): Sample[] => [
    s('agent_requests_total', { model: 'm', status: 'ok' }, k * opts.ok),
    s('agent_requests_total', { model: 'm', status: 'error' }, k * opts.err),
    s('agent_request_duration_seconds_bucket', { model: 'm', le: '1' }, k * (opts.fast ?? 0)),
    s(
      'agent_request_duration_seconds_bucket',
      { model: 'm', le: '30' },
      k * ((opts.fast ?? 0) + (opts.slow ?? 0)),
    ),
    s(
      'agent_request_duration_seconds_bucket',
      { model: 'm', le: '+Inf' },
      k * ((opts.fast ?? 0) + (opts.slow ?? 0)),
    ),
    s('agent_tokens_total', { model: 'm', direction: 'input' }, k * (opts.tokens ?? 0)),
    s('agent_circuit_breaker_open', { breaker: 'anthropic' }, opts.breaker ?? 0),
    s('agent_cost_estimate_hourly', {}, opts.cost ?? 0),
  ];
  w.add(0, at(0));
  w.add(60_000, at(1));
  return w;
}

describe('metric rules: readings', () => {
  it('error rate: errors / requests over the window, above abovePercent', () => {
    const hi = only(readRules(inputs(window({ ok: 90, err: 10 })), 60_000), 'errorRate')!;
    assert.equal(hi.value, 10);
    assert.equal(hi.above, true);
    assert.match(hi.text, /error rate 10 % over 5 min \(10 of 100 requests; threshold 5 %\)/);
    const lo = only(readRules(inputs(window({ ok: 99, err: 1 })), 60_000), 'errorRate')!;
    assert.deepEqual([lo.value, lo.above], [1, false]);
    const none = only(readRules(inputs(window({ ok: 0, err: 0 })), 60_000), 'errorRate')!;
    assert.deepEqual([none.value, none.above], [null, false], 'no requests: no data');
  });

  it('p95 latency from the bucket increases', () => {
    const hi = only(readRules(inputs(window({ ok: 1, err: 0, fast: 10, slow: 90 })), 60_000), 'latencyP95')!;
    assert.ok(hi.value! > 10 && hi.above, String(hi.value));
    assert.match(hi.text, /p95 request latency 28\.389 s over 5 min \(threshold 10 s\)/);
    const lo = only(readRules(inputs(window({ ok: 1, err: 0, fast: 100 })), 60_000), 'latencyP95')!;
    assert.deepEqual([lo.value, lo.above], [0.95, false]);
  });

  it('memory against limits.memory, only for a service with a limit', () => {
    const r = only(
      readRules(inputs(null, { memoryBytes: 900 * 1048576, memoryLimitBytes: 1024 * 1048576 }), 0),
      'memory',
    )!;
    assert.equal(r.above, true);
    assert.match(r.text, /memory 900 MB, 87\.9 % of its 1024 MB limit \(threshold 80 %\)/);
    assert.equal(
      only(
        readRules(inputs(null, { memoryBytes: 700 * 1048576, memoryLimitBytes: 1024 * 1048576 }), 0),
        'memory',
      )!.above,
      false,
    );
    assert.equal(
      only(readRules(inputs(null, { memoryBytes: 700 }), 0), 'memory'),
      undefined,
      'no limit: no rule',
    );
    assert.deepEqual(
      readRules(inputs(null, { names: null, memoryBytes: 1, memoryLimitBytes: 100 }), 0).map((r) => r.rule),
      ['memory'],
      'no metrics.url: only memory',
    );
    assert.deepEqual(
      readRules(inputs(null, { hourlyUsd: 1 }), 0).map((r) => [r.rule, r.value]),
      [
        ['errorRate', null],
        ['latencyP95', null],
        ['costPerHour', null],
        ['circuitBreaker', null],
        ['tokensPerRequest', null],
      ],
      'metrics.url but nothing (fresh) scraped: no data, rule by rule',
    );
  });

  it('cost per hour against factor × budget.hourlyUsd, only with an hourly budget', () => {
    const hi = only(
      readRules(inputs(window({ ok: 1, err: 0, cost: 25 }), { hourlyUsd: 10 }), 60_000),
      'costPerHour',
    )!;
    assert.equal(hi.above, true);
    assert.match(hi.text, /cost per hour \$25\.00 \(threshold \$20\.00: 2× the hourly budget of \$10\.00\)/);
    assert.equal(
      only(readRules(inputs(window({ ok: 1, err: 0, cost: 15 }), { hourlyUsd: 10 }), 60_000), 'costPerHour')!
        .above,
      false,
    );
    assert.equal(
      only(readRules(inputs(window({ ok: 1, err: 0, cost: 25 })), 60_000), 'costPerHour'),
      undefined,
    );
  });

  it('circuit breaker: any series of the gauge above 0, named by its labels', () => {
    const hi = only(readRules(inputs(window({ ok: 1, err: 0, breaker: 1 })), 60_000), 'circuitBreaker')!;
    assert.equal(hi.above, true);
    assert.match(hi.text, /1 open circuit breaker: \{breaker="anthropic"\}/);
    assert.equal(
      only(readRules(inputs(window({ ok: 1, err: 0, breaker: 0 })), 60_000), 'circuitBreaker')!.above,
      false,
    );
  });

  it('tokens per request against factor × the daily average', () => {
    const w = new MetricWindow(DEFAULT_METRIC_NAMES, 300_000);
    const at = (reqs: number, toks: number): Sample[] => [
      s('agent_requests_total', { status: 'ok' }, reqs),
      s('agent_tokens_total', { direction: 'input' }, toks),
    ];
    // An hour of 100 tokens a request, then 5 minutes of 1000.
    let reqs = 0;
    let toks = 0;
    for (let t = 0; t <= 3_600_000; t += 60_000) w.add(t, at((reqs += 10), (toks += 1000)));
    const base = only(readRules(inputs(w), 3_600_000), 'tokensPerRequest')!;
    assert.deepEqual([base.value, base.above], [100, false]);
    for (let t = 3_660_000; t <= 3_900_000; t += 60_000) w.add(t, at((reqs += 10), (toks += 10_000)));
    const hi = only(readRules(inputs(w), 3_900_000), 'tokensPerRequest')!;
    assert.equal(hi.value, 1000);
    assert.equal(hi.above, true);
    assert.match(
      hi.text,
      /1000 tokens per request over 5 min \(threshold 3\d\d\.\d: 2× the daily average of 1\d\d\.\d\)/,
    );
  });

  it('a rule switched off is not read; thresholds come from the resolved rules', () => {
    const rules: MetricRules = resolveMetricRules(
      { errorRate: false, latencyP95: { aboveSec: 30 } },
      { errorRate: { abovePercent: 20 } },
    );
    assert.deepEqual(
      rules.errorRate,
      { ...METRIC_RULE_DEFAULTS.errorRate, abovePercent: 20 },
      "the service's own setting turns it back on",
    );
    assert.deepEqual(rules.latencyP95, { ...METRIC_RULE_DEFAULTS.latencyP95, aboveSec: 30 });
    const off = resolveMetricRules({}, { circuitBreaker: false });
    assert.equal(off.circuitBreaker, false);
    assert.equal(
      only(
        readRules(inputs(window({ ok: 1, err: 0, breaker: 1 }), { rules: off }), 60_000),
        'circuitBreaker',
      ),
      undefined,
    );
  });
});

const reading = (value: number | null, over: Partial<Reading> = {}): Reading => ({
  rule: 'errorRate',
  value,
  threshold: 5,
  above: value !== null && value > 5,
  forSec: 120,
  severity: 'warning',
  text: `error rate ${value} %`,
  ...over,
});

describe('ConditionTracker: forSec pending semantics', () => {
  it('pending from the first reading above, firing after forSec, gone at the first reading below', () => {
    const t = new ConditionTracker(() => 30_000);
    assert.deepEqual(t.step('core', [reading(10)], 0), []);
    assert.deepEqual(t.step('core', [reading(12)], 119_000), [], 'still pending');
    const [c] = t.step('core', [reading(12)], 120_000);
    assert.deepEqual(c, {
      key: 'error-rate:core',
      rule: 'error-rate',
      service: 'core',
      severity: 'warning',
      since: 0,
      message: 'core: error rate 12 %',
    });
    assert.deepEqual(t.step('core', [reading(3)], 130_000), []);
    assert.deepEqual(t.step('core', [reading(10)], 140_000), [], 'a new episode waits forSec again');
  });

  it('a dip below during pending restarts the wait', () => {
    const t = new ConditionTracker(() => 30_000);
    t.step('core', [reading(10)], 0);
    t.step('core', [reading(1)], 60_000);
    t.step('core', [reading(10)], 70_000);
    assert.deepEqual(t.step('core', [reading(10)], 150_000), []);
    assert.equal(t.step('core', [reading(10)], 190_000).length, 1);
  });

  it('no data holds a firing condition (with its last text) for holdMs, then drops it', () => {
    const t = new ConditionTracker(() => 30_000);
    t.step('core', [reading(10, { forSec: 0 })], 0);
    assert.equal(t.step('core', [reading(null, { forSec: 0 })], 20_000)[0]?.message, 'core: error rate 10 %');
    assert.deepEqual(t.step('core', [reading(null, { forSec: 0 })], 31_000), []);
  });

  it('seeded keys (firing before an agent restart) fire at once when the condition holds', () => {
    const t = new ConditionTracker(() => 30_000);
    t.seed([{ key: 'error-rate:core', message: 'core: error rate 9 %' }], 0);
    assert.equal(
      t.step('core', [reading(null)], 500)[0]?.message,
      'core: error rate 9 %',
      'no data yet: its last text',
    );
    assert.equal(t.step('core', [reading(10)], 1000)[0]?.message, 'core: error rate 10 %');
  });

  it('a rule no longer read ends its condition', () => {
    const t = new ConditionTracker(() => 30_000);
    t.step('core', [reading(10, { forSec: 0 })], 0);
    assert.deepEqual(t.step('core', [], 1000), []);
    assert.deepEqual(t.step('core', [reading(10)], 2000), [], 'its wait starts over');
  });
});

describe('alert engine: metric conditions', () => {
  it('notify once with the value and threshold, and resolve with a recovery notice', () => {
    const e = new AlertEngine({ ...DEFAULT_ALERTS }, 'UTC');
    const cond = {
      key: 'error-rate:core',
      rule: 'error-rate' as const,
      service: 'core',
      severity: 'warning' as const,
      since: 0,
      message: 'core: error rate 12.5 % over 5 min (threshold 5 %)',
    };
    const a = e.step({ services: [], oneShots: [], now: 1000, extra: [cond] });
    assert.equal(a.send.length, 1);
    assert.equal(a.send[0]!.title, "core's error rate is high");
    assert.equal(a.send[0]!.text, cond.message);
    assert.equal(e.step({ services: [], oneShots: [], now: 2000, extra: [cond] }).send.length, 0, 'dedupe');
    const r = e.step({ services: [], oneShots: [], now: 62_000, extra: [] });
    assert.equal(r.send[0]?.kind, 'resolved');
    assert.equal(r.send[0]?.text, "core's error rate was high for 1 min 1 s; it is fine again");
  });

  it('quiet hours hold a warning for the digest; a critical one (costPerHour) goes out at once', () => {
    const e = new AlertEngine({ ...DEFAULT_ALERTS, quietHours: { from: '00:00', to: '23:59' } }, 'UTC');
    const warn = {
      key: 'latency-p95:core',
      rule: 'latency-p95' as const,
      service: 'core',
      severity: 'warning' as const,
      since: 0,
      message: 'core: p95 request latency 28 s over 5 min (threshold 10 s)',
    };
    const crit = {
      key: 'cost-per-hour:core',
      rule: 'cost-per-hour' as const,
      service: 'core',
      severity: 'critical' as const,
      since: 0,
      message: 'core: cost per hour $25.00 (threshold $20.00)',
    };
    const out = e.step({ services: [], oneShots: [], now: Date.UTC(2026, 0, 1, 3), extra: [warn, crit] });
    assert.deepEqual(
      out.send.map((n) => n.alertKey),
      ['cost-per-hour:core'],
    );
    assert.deepEqual(
      out.held.map((n) => n.alertKey),
      ['latency-p95:core'],
    );
  });
});
