/** Stopping: the `stopping` state, and a kill after the stop timeout as its own event (not a crash). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step, deriveState, isStopTimeout, type StepInput } from '../../agent/core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../../agent/core/supervise/model.js';
import { serviceStatus } from '../../agent/core/supervise/view.js';
import { instantHealth, overallHealth } from '../../agent/core/health/machine.js';
import type { ExitRecord, ObservedStatus } from '../../agent/core/observed.js';
import { AlertEngine } from '../../agent/core/alerts/engine.js';
import { DEFAULT_ALERTS } from '../../agent/core/alerts/config.js';
import { observedRunning } from '../helpers/observed.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

const obs = (over: Partial<ObservedStatus> = {}): ObservedStatus => observedRunning(T0, over);
/** What systemd's ExecStopPost hook writes after it had to SIGKILL a unit on stop. */
const timeoutExit = (offset: number, at: number): ExitRecord => ({
  offset,
  at,
  service: 'web',
  result: 'timeout',
  how: 'killed',
  code: null,
  signal: 'SIGKILL',
});
const rule = loopRule({ burst: 3, intervalSec: 60 });
const run = (prev: ServiceSnapshot, over: Partial<StepInput>) =>
  step(prev, {
    service: 'web',
    observed: obs(),
    exits: [],
    policy: 'always',
    rule,
    now: T0,
    stopTimeoutSec: 2,
    ...over,
  });

describe('stopping', () => {
  it('systemd deactivating is `stopping` (not `starting`); activating stays `starting`', () => {
    assert.equal(deriveState(obs({ active: 'deactivating', sub: 'stop-sigterm' }), false), 'stopping');
    assert.equal(deriveState(obs({ active: 'activating', sub: 'auto-restart' }), false), 'starting');
    assert.equal(
      deriveState(obs({ active: 'failed', result: 'timeout', pid: null }), false),
      'stopped',
      'killed on stop: stopped as asked',
    );
    assert.equal(deriveState(obs({ active: 'failed', result: 'exit-code', pid: null }), false), 'failed');
  });

  it('a stop that times out: one stop-timeout warning naming the timeout, no crash, no start-limit, state stopped', () => {
    const running = run(emptySnapshot(), {}).next;
    const stopping = run(running, {
      now: T0 + 1000,
      observed: obs({ active: 'deactivating', sub: 'stop-sigterm' }),
    });
    assert.equal(stopping.next.state, 'stopping');
    assert.deepEqual(stopping.events, []);
    // Earlier restarts (NRestarts > 0) plus "failed" would read as "given up" without the timeout check.
    const done = run(stopping.next, {
      now: T0 + 3500,
      observed: obs({
        active: 'failed',
        sub: 'failed',
        pid: null,
        result: 'timeout',
        restarts: 2,
        since: T0 + 3100,
      }),
      exits: [timeoutExit(0, T0 + 3100)],
    });
    assert.deepEqual(
      done.events.map((e) => [e.type, e.severity]),
      [
        ['stop-timeout', 'warning'],
        ['stopped', 'info'],
      ],
    );
    assert.equal(
      done.events[0]!.message,
      'web did not stop within its stop timeout (2 s) and was killed (SIGKILL)',
    );
    assert.deepEqual(done.events[0]!.data, { stopTimeoutSec: 2 });
    assert.deepEqual(done.next.crashes, [], 'not counted toward a crash loop');
    assert.equal(done.next.state, 'stopped');
    assert.match(done.next.lastExit!.reason, /stop timeout/);
    const view = serviceStatus({
      name: 'web',
      unit: 'u',
      observed: obs({ active: 'failed', pid: null, result: 'timeout', restarts: 2 }),
      snapshot: done.next,
      policy: 'always',
      rule,
      drifted: false,
      now: T0 + 3500,
    });
    assert.equal(view.state, 'stopped');
  });

  it('a restart whose stop times out: stop-timeout, then restarted; never crashed', () => {
    const running = run(emptySnapshot(), {}).next;
    const out = run(running, {
      now: T0 + 5000,
      observed: obs({ pid: 101, since: T0 + 4000 }),
      exits: [timeoutExit(0, T0 + 3900)],
    });
    assert.deepEqual(
      out.events.map((e) => e.type),
      ['stop-timeout', 'started'],
    );
  });

  it('a timeout while starting is a failure to start (a crash), not a stop timeout', () => {
    assert.equal(isStopTimeout(timeoutExit(0, T0), { active: 'activating' }), false);
    assert.equal(isStopTimeout(timeoutExit(0, T0), { active: 'deactivating' }), true);
    assert.equal(
      isStopTimeout({ ...timeoutExit(0, T0), result: 'signal' }, { active: 'deactivating' }),
      false,
    );
    const starting = run(emptySnapshot(), {
      observed: obs({ active: 'activating', sub: 'start', pid: null }),
    }).next;
    const out = run(starting, {
      now: T0 + 1000,
      observed: obs({ active: 'failed', pid: null, result: 'timeout' }),
      exits: [timeoutExit(0, T0 + 900)],
    });
    assert.deepEqual(
      out.events.map((e) => e.type),
      ['crashed'],
    );
  });

  it('health while stopping is down ("stopping"), but like stopped it does not make the machine look down', () => {
    assert.deepEqual(
      instantHealth({
        state: 'stopping',
        probed: false,
        probe: null,
        processSince: null,
        now: T0,
      } as Parameters<typeof instantHealth>[0]),
      { health: 'down', reason: 'stopping' },
    );
    assert.equal(
      overallHealth([
        { state: 'stopping', health: 'down' },
        { state: 'running', health: 'healthy' },
      ]),
      'healthy',
    );
  });

  it('a long stop is no service-down page, however long it lasts', () => {
    const engine = new AlertEngine({ ...DEFAULT_ALERTS, downForSec: 15 }, 'UTC');
    const view = (state: 'stopping' | 'starting') => ({
      name: 'web',
      state,
      health: 'down' as const,
      healthSince: T0,
      healthReason: state,
      drifted: false,
    });
    assert.deepEqual(engine.conditions([view('stopping')], T0 + 120_000), []);
    assert.deepEqual(
      engine.conditions([view('starting')], T0 + 120_000).map((c) => c.rule),
      ['service-down'],
      'the check itself works',
    );
  });
});
