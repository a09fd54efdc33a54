import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { counterDelta, counterIncrease, histogramQuantile } from '../../agent/core/alerts/metric-math.js';
import { MetricWindow } from '../../agent/core/alerts/metric-window.js';
import { DEFAULT_METRIC_NAMES } from '../../agent/core/alerts/metric-rules.js';
import type { Sample } from '../../agent/core/usage/prom-text.js';

describe('counter increases', () => {
  it('sum the differences; a counter that goes down restarted and counts from zero; a new series from zero', () => {
    assert.equal(counterIncrease([10, 12, 15]), 5);
    assert.equal(counterIncrease([10, 12, 3, 5]), 2 + 3 + 2, 'reset: 12 → 3 is an increase of 3');
    assert.equal(counterIncrease([5]), 0);
    assert.equal(counterDelta(undefined, 4), 4);
    assert.equal(counterDelta(7, 7), 0);
    assert.equal(counterDelta(7, NaN), 0);
  });
});

describe('histogram_quantile (as Prometheus computes it)', () => {
  const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));
  it('interpolates linearly inside the bucket holding the rank', () => {
    // 100 observations: 50 ≤ 1 s, 90 ≤ 2 s, 100 ≤ 5 s. p95 rank 95 lies in (2, 5]: 2 + 3 × 5/10 = 3.5.
    assert.equal(
      histogramQuantile(
        0.95,
        b([
          [1, 50],
          [2, 90],
          [5, 100],
          [Infinity, 100],
        ]),
      ),
      3.5,
    );
    assert.equal(
      histogramQuantile(
        0.5,
        b([
          [1, 50],
          [2, 90],
          [5, 100],
          [Infinity, 100],
        ]),
      ),
      1,
    );
    // The first bucket starts at 0.
    assert.equal(
      histogramQuantile(
        0.25,
        b([
          [1, 50],
          [Infinity, 50],
        ]),
      ),
      0.25,
    );
  });
  it('a rank in the +Inf bucket gives the highest finite bound; unordered input is sorted', () => {
    assert.equal(
      histogramQuantile(
        0.95,
        b([
          [Infinity, 100],
          [10, 10],
          [30, 20],
        ]),
      ),
      30,
    );
  });
  it('NaN without +Inf, with < 2 buckets or no observations; q outside [0, 1] is ±Inf', () => {
    assert.ok(
      Number.isNaN(
        histogramQuantile(
          0.9,
          b([
            [1, 5],
            [2, 6],
          ]),
        ),
      ),
    );
    assert.ok(Number.isNaN(histogramQuantile(0.9, b([[Infinity, 5]]))));
    assert.ok(
      Number.isNaN(
        histogramQuantile(
          0.9,
          b([
            [1, 0],
            [Infinity, 0],
          ]),
        ),
      ),
    );
    assert.equal(
      histogramQuantile(
        -1,
        b([
          [1, 1],
          [Infinity, 1],
        ]),
      ),
      -Infinity,
    );
    assert.equal(
      histogramQuantile(
        2,
        b([
          [1, 1],
          [Infinity, 1],
        ]),
      ),
      Infinity,
    );
  });
  it('makes counts monotonic (a scrape caught mid-update)', () => {
    // 2 s bucket reads 8 < 10 of the 1 s bucket: treated as 10.
    assert.equal(
      histogramQuantile(
        0.5,
        b([
          [1, 10],
          [2, 8],
          [Infinity, 20],
        ]),
      ),
      1,
    );
  });
  it('a negative or zero first bound is returned as is', () => {
    assert.equal(
      histogramQuantile(
        0.1,
        b([
          [0, 5],
          [1, 10],
          [Infinity, 10],
        ]),
      ),
      0,
    );
  });
});

const req = (status: string, v: number): Sample => ({
  name: 'agent_requests_total',
  labels: { model: 'm', status },
  value: v,
});

describe('MetricWindow', () => {
  it('sums increases of the scrapes inside the window, by label, resets handled', () => {
    const w = new MetricWindow(DEFAULT_METRIC_NAMES, 60_000);
    w.add(0, [req('ok', 100)]);
    w.add(10_000, [req('ok', 110), req('error', 2)]);
    w.add(20_000, [req('ok', 5), req('error', 4)]); // the service restarted: ok counts from 0
    assert.equal(w.counterSum(60_000, 20_000, 'agent_requests_total'), 10 + 2 + 5 + 2);
    assert.equal(
      w.counterSum(60_000, 20_000, 'agent_requests_total', { label: 'status', value: 'error' }),
      4,
    );
    // A 10 s window holds only the last pair.
    assert.equal(w.counterSum(10_000, 20_000, 'agent_requests_total'), 7);
    assert.equal(
      w.counterSum(10_000, 45_000, 'agent_requests_total'),
      null,
      'no scrape inside the window: no data',
    );
  });

  it('sums buckets by le over every other label', () => {
    const bucket = (model: string, le: string, v: number): Sample => ({
      name: 'agent_request_duration_seconds_bucket',
      labels: { model, le },
      value: v,
    });
    const w = new MetricWindow(DEFAULT_METRIC_NAMES, 60_000);
    w.add(0, [bucket('a', '1', 0), bucket('a', '+Inf', 0), bucket('b', '1', 0), bucket('b', '+Inf', 0)]);
    w.add(5000, [bucket('a', '1', 3), bucket('a', '+Inf', 4), bucket('b', '1', 1), bucket('b', '+Inf', 6)]);
    assert.deepEqual(
      w.buckets(60_000, 5000)?.sort((x, y) => x.le - y.le),
      [
        { le: 1, count: 4 },
        { le: Infinity, count: 10 },
      ],
    );
  });

  it('drops scrapes older than the longest window but keeps one as the base', () => {
    const w = new MetricWindow(DEFAULT_METRIC_NAMES, 10_000);
    for (let t = 0; t <= 100_000; t += 5000) w.add(t, [req('ok', t / 1000)]);
    assert.equal(w.counterSum(10_000, 100_000, 'agent_requests_total'), 10);
  });

  it('keeps a day of per-minute token and request increases', () => {
    const tok = (v: number): Sample => ({
      name: 'agent_tokens_total',
      labels: { model: 'm', direction: 'input' },
      value: v,
    });
    const w = new MetricWindow(DEFAULT_METRIC_NAMES, 60_000);
    w.add(0, [tok(0), req('ok', 0)]);
    w.add(30_000, [tok(1000), req('ok', 10)]);
    w.add(90_000, [tok(3000), req('ok', 20)]);
    assert.deepEqual(w.day(90_000), { tokens: 3000, requests: 20 });
    assert.deepEqual(
      w.day(59_999 + 86_400_000),
      { tokens: 2000, requests: 10 },
      'a day after the first minute only the second is left',
    );
    const again = new MetricWindow(DEFAULT_METRIC_NAMES, 60_000, w.dailySnapshot());
    assert.deepEqual(again.day(90_000), { tokens: 3000, requests: 20 }, 'restored from its snapshot');
  });
});
