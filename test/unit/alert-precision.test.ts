/**
 * The alert-precision scenario, short: one round of every case of test/bench/alert-precision-cases.ts
 * (5 min) and the agent-late crash-loop fix (5 min), on the real supervisor, health machine and alert
 * engine. Guards the benchmark's result: 0 false pages, 0 missed (the bench runs 35 min).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../helpers/alert-sim.js';
import { phases } from '../bench/alert-precision-cases.js';

describe('alert precision (short scenario)', () => {
  it('pages every true condition in time and nothing else', async () => {
    const r = await runSimulation(phases(1));
    const detail = r.cases
      .filter((c) => c.falsePages.length + c.missed.length + c.stale.length > 0)
      .map(
        (c) =>
          `${c.service}: false [${c.falsePages.join('; ')}] missed [${c.missed.join('; ')}] stale [${c.stale.join('; ')}]`,
      );
    assert.deepEqual(detail, []);
    assert.equal(r.falsePages, 0);
    assert.equal(r.missed, 0);
    assert.ok(r.cases.reduce((a, c) => a + c.truePages, 0) >= 6, 'the scenario has true pages to miss');
    assert.ok(r.simulatedSec >= 600);
    // the kinds of case are all in it: slow stops, liveness, slow dependencies, the six metric rules
    const kinds = [
      'stop-timeout',
      'hung-liveness',
      'dependency-slow-restart',
      'dependency-down',
      'metrics-steady',
      'error-rate',
      'latency-p95',
      'memory-of-limit',
      'cost-per-hour',
      'circuit-breaker',
      'tokens-per-request',
    ];
    assert.deepEqual(
      kinds.filter((k) => !r.cases.some((c) => c.case === k)),
      [],
    );
  });
});
