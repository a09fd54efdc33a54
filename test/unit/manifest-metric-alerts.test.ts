import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC_RULE_DEFAULTS } from '../../agent/core/alerts/metric-rules.js';
import { parse, problems, yaml } from '../helpers/manifest.js';

const core = [
  'services:',
  '  core:',
  '    command: [x]',
  '    metrics: { url: "http://127.0.0.1:9090/metrics" }',
];

describe('manifest: metric alert rules', () => {
  it("a service with metrics.url gets every rule with the guide's defaults", () => {
    const s = parse(yaml(...core)).manifest.services[0]!;
    assert.deepEqual(s.metricAlerts, METRIC_RULE_DEFAULTS);
    assert.deepEqual(METRIC_RULE_DEFAULTS.errorRate, {
      abovePercent: 5,
      windowSec: 300,
      forSec: 120,
      severity: 'warning',
    });
    assert.deepEqual(METRIC_RULE_DEFAULTS.tokensPerRequest, {
      aboveFactorOfDailyAverage: 2,
      windowSec: 300,
      forSec: 300,
      severity: 'warning',
    });
  });

  it('a service without metrics.url or limits.memory has none; limits.memory alone is enough for the memory rule', () => {
    const [a, b] = parse(
      yaml(
        'services:',
        '  a:',
        '    command: [x]',
        '  b:',
        '    command: [x]',
        '    limits: { memory: 128M }',
      ),
    ).manifest.services;
    assert.equal(a!.metricAlerts, undefined);
    assert.equal(b!.metricAlerts?.memory && b!.metricAlerts.memory.abovePercentOfLimit, 80);
  });

  it('top-level settings, the service over them, false to switch off, true to switch back on', () => {
    const m = parse(
      yaml(
        ...core,
        '    alerts:',
        '      errorRate: { abovePercent: 10, forSec: 5 }',
        '      circuitBreaker: false',
        '      tokensPerRequest: true',
        '  other:',
        '    command: [x]',
        '    metrics: { url: "http://127.0.0.1:9091/metrics", intervalSec: 2, circuitBreaker: breaker_open, names: { requests: my_requests_total } }',
        'alerts:',
        '  errorRate: { windowSec: 60, forSec: 30 }',
        '  latencyP95: { aboveSec: 5, severity: critical }',
        '  tokensPerRequest: false',
      ),
    ).manifest;
    const [c, o] = m.services;
    assert.deepEqual(
      c!.metricAlerts!.errorRate,
      { abovePercent: 10, windowSec: 60, forSec: 5, severity: 'warning' },
      'its own fields over the top-level ones over the defaults',
    );
    assert.deepEqual(c!.metricAlerts!.latencyP95, {
      aboveSec: 5,
      windowSec: 300,
      forSec: 120,
      severity: 'critical',
    });
    assert.equal(c!.metricAlerts!.circuitBreaker, false);
    assert.deepEqual(c!.metricAlerts!.tokensPerRequest, METRIC_RULE_DEFAULTS.tokensPerRequest);
    assert.deepEqual(o!.metricAlerts!.errorRate, {
      abovePercent: 5,
      windowSec: 60,
      forSec: 30,
      severity: 'warning',
    });
    assert.equal(o!.metricAlerts!.tokensPerRequest, false);
    assert.deepEqual(o!.metrics, {
      url: 'http://127.0.0.1:9091/metrics',
      intervalSec: 2,
      circuitBreaker: 'breaker_open',
      names: { requests: 'my_requests_total' },
    });
    assert.equal(m.alerts!.downForSec, 15, 'the rest of alerts: is read as before');
  });

  it('an unknown rule is an error naming the line, the key path and the rules', () => {
    const rules =
      'unknown key; the metric alert rules are errorRate, latencyP95, memory, costPerHour, circuitBreaker, tokensPerRequest';
    assert.deepEqual(problems(yaml(...core, '    alerts:', '      errorRat: { abovePercent: 10 }')), [
      [6, 'services.core.alerts.errorRat', rules],
    ]);
    assert.deepEqual(problems(yaml(...core, 'alerts:', '  latencyP99: {}')), [
      [6, 'alerts.latencyP99', rules],
    ]);
    assert.deepEqual(problems(yaml(...core, 'alerts:', '  errorRate: { abovePercnt: 10 }')), [
      [6, 'alerts.errorRate.abovePercnt', 'unknown key'],
    ]);
  });

  it('thresholds out of range are errors at their key; nothing is applied', () => {
    assert.deepEqual(
      problems(
        yaml(
          ...core,
          '    alerts:',
          '      errorRate: { abovePercent: 150 }',
          '      latencyP95: { aboveSec: 0 }',
          '      memory: { abovePercentOfLimit: -5 }',
          '      tokensPerRequest: { aboveFactorOfDailyAverage: 1 }',
          'alerts:',
          '  costPerHour: { aboveFactorOfHourlyBudget: 0 }',
          '  circuitBreaker: { forSec: -1 }',
          '  errorRate: { windowSec: 0 }',
          '  latencyP95: 5',
        ),
      ),
      [
        [6, 'services.core.alerts.errorRate.abovePercent', 'must be <= 100'],
        [7, 'services.core.alerts.latencyP95.aboveSec', 'must be > 0'],
        [8, 'services.core.alerts.memory.abovePercentOfLimit', 'must be > 0'],
        [9, 'services.core.alerts.tokensPerRequest.aboveFactorOfDailyAverage', 'must be > 1'],
        [11, 'alerts.costPerHour.aboveFactorOfHourlyBudget', 'must be > 0'],
        [12, 'alerts.circuitBreaker.forSec', 'must be >= 0'],
        [13, 'alerts.errorRate.windowSec', 'must be >= 1'],
        [14, 'alerts.latencyP95', "must be a map of the rule's settings, or false to switch it off"],
      ],
    );
  });

  it('metrics: names must be metric names, intervalSec in range, no unknown keys', () => {
    assert.deepEqual(
      problems(
        yaml(
          'services:',
          '  core:',
          '    command: [x]',
          '    metrics: { url: "http://x/m", intervalSec: 0, circuitBreaker: "bad name", names: { tokens: "1x", foo: a } }',
        ),
      ),
      [
        [4, 'services.core.metrics.intervalSec', 'must be >= 1'],
        [4, 'services.core.metrics.circuitBreaker', 'must be a Prometheus metric name'],
        [4, 'services.core.metrics.names.tokens', 'must be a Prometheus metric name'],
        [4, 'services.core.metrics.names.foo', 'unknown key'],
      ],
    );
  });

  it('rules written where they cannot apply are warnings at their line', () => {
    const { warnings } = parse(
      yaml(
        'services:',
        '  plain:',
        '    command: [x]',
        '    alerts: { errorRate: { abovePercent: 10 } }',
        '  capped:',
        '    command: [x]',
        '    limits: { memory: 1G }',
        '    alerts: { memory: { forSec: 5 }, circuitBreaker: false }',
        ...core.slice(1),
        '    alerts: { costPerHour: { aboveFactorOfHourlyBudget: 3 } }',
        'alerts:',
        '  costPerHour: { aboveFactorOfHourlyBudget: 3 }',
      ),
    );
    assert.deepEqual(
      warnings.map((w) => [w.line, w.path, w.message]),
      [
        [
          4,
          'services.plain.alerts',
          'has no effect: the metric alert rules need metrics.url (or limits.memory for the memory rule)',
        ],
        [8, 'services.capped.alerts', 'only the memory rule applies without metrics.url'],
        [12, 'services.core.alerts.costPerHour', 'has no effect without budget.hourlyUsd'],
        [14, 'alerts.costPerHour', 'has no effect without budget.hourlyUsd'],
      ],
    );
  });
});
