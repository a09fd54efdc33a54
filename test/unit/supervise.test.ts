/** The event state machine: transitions → events, crash loops, idempotency keys, state derivation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step, deriveState, type StepInput } from '../../agent/core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../../agent/core/supervise/model.js';
import type { ExitRecord, ObservedStatus } from '../../agent/core/observed.js';
import { observedRunning } from '../helpers/observed.js';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

const obs = (over: Partial<ObservedStatus> = {}): ObservedStatus => observedRunning(T0, over);

function exit(offset: number, at: number, over: Partial<ExitRecord> = {}): ExitRecord {
  return { offset, at, service: 'web', result: 'exit-code', how: 'exited', code: 3, signal: null, ...over };
}

const rule = loopRule({ burst: 3, intervalSec: 60 });

function run(prev: ServiceSnapshot, over: Partial<StepInput>) {
  return step(prev, { service: 'web', observed: obs(), exits: [], policy: 'always', rule, now: T0, ...over });
}

describe('supervision state machine', () => {
  it('first sight of a running service: one started event, keyed by pid and start time', () => {
    const { next, events } = run(emptySnapshot(), {});
    assert.deepEqual(
      events.map((e) => [e.type, e.key]),
      [['started', `run:web:100:${T0}`]],
    );
    assert.equal(next.state, 'running');
    const again = run(next, { now: T0 + 1000 });
    assert.deepEqual(again.events, [], 'a steady state emits nothing');
  });

  it('kill -9 then restart by the manager: crashed (SIGKILL) and restarted', () => {
    const s1 = run(emptySnapshot(), {}).next;
    const { next, events } = run(s1, {
      now: T0 + 2000,
      observed: obs({ pid: 101, restarts: 1, since: T0 + 1500 }),
      exits: [exit(0, T0 + 1400, { result: 'signal', how: 'killed', code: null, signal: 'SIGKILL' })],
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['crashed', 'restarted'],
    );
    assert.equal(events[0]!.exit?.signal, 'SIGKILL');
    assert.match(events[0]!.message, /SIGKILL/);
    assert.equal(events[0]!.at, T0 + 1400, 'the crash is dated when it happened');
    assert.match(events[1]!.message, /restart 1/);
    assert.equal(next.restarts, 1);
    assert.equal(next.state, 'running', 'one crash is not a loop');
    assert.equal(next.lastExit?.reason.includes('SIGKILL'), true);
  });

  it('seen step by step (pushed unit changes): the exit, the wait with the count already up, the new run: restarted', () => {
    const s1 = run(emptySnapshot(), {}).next;
    const killed = exit(0, T0 + 1400, { result: 'signal', how: 'killed', code: null, signal: 'SIGKILL' });
    // The exit record first, with the observation still the old run's.
    const s2 = run(s1, { now: T0 + 1405, exits: [killed] });
    assert.deepEqual(
      s2.events.map((e) => e.type),
      ['crashed'],
    );
    // systemd counts the restart while the unit waits for it (activating, auto-restart).
    const waiting = obs({
      active: 'activating',
      sub: 'auto-restart',
      pid: null,
      restarts: 1,
      since: T0 + 1401,
    });
    const s3 = run(s2.next, { now: T0 + 1410, observed: waiting });
    assert.deepEqual(s3.events, []);
    const s4 = run(s3.next, { now: T0 + 1550, observed: obs({ pid: 101, restarts: 1, since: T0 + 1500 }) });
    assert.deepEqual(
      s4.events.map((e) => e.type),
      ['restarted'],
      'the manager restarted it, though its count went up before the run was seen',
    );
    assert.match(s4.events[0]!.message, /restart 1\) after it killed/);
  });

  it('replaying the same step yields the same keys (dedupe by key across agent restarts)', () => {
    const s1 = run(emptySnapshot(), {}).next;
    const input = {
      now: T0 + 2000,
      observed: obs({ pid: 101, restarts: 1, since: T0 + 1500 }),
      exits: [exit(0, T0 + 1400)],
    };
    assert.deepEqual(
      run(s1, input).events.map((e) => e.key),
      run(s1, input).events.map((e) => e.key),
    );
  });

  it('three failures inside the window: one crashloop event, state crashloop, then recovery when the window passes', () => {
    let s = run(emptySnapshot(), {}).next;
    const all = [];
    for (let i = 0; i < 4; i++) {
      const out = run(s, {
        now: T0 + (i + 1) * 1000,
        observed: obs({ pid: 200 + i, restarts: i + 1, since: T0 + (i + 1) * 1000 }),
        exits: [exit(i * 40, T0 + (i + 1) * 1000 - 10)],
      });
      s = out.next;
      all.push(...out.events);
    }
    assert.equal(all.filter((e) => e.type === 'crashloop').length, 1);
    const loop = all.find((e) => e.type === 'crashloop')!;
    assert.equal(loop.severity, 'critical');
    assert.equal(loop.exit?.code, 3);
    assert.equal(s.state, 'crashloop');
    const later = run(s, { now: T0 + 70_000, observed: obs({ pid: 203, restarts: 4, since: T0 + 4000 }) });
    assert.equal(later.next.state, 'running');
    assert.equal(later.next.loopKey, null);
  });

  it('systemd gave up (failed after restarts) → start-limit-hit and crashloop, even with Result=exit-code', () => {
    const s = run(emptySnapshot(), {}).next;
    const { next, events } = run(s, {
      now: T0 + 5000,
      observed: obs({
        active: 'failed',
        sub: 'failed',
        pid: null,
        restarts: 3,
        result: 'exit-code',
        since: T0 + 4000,
      }),
      exits: [exit(0, T0 + 3900)],
    });
    assert.deepEqual(events.map((e) => e.type).sort(), ['crashed', 'crashloop', 'start-limit-hit']);
    assert.equal(next.state, 'crashloop');
  });

  it('a failed service with Restart=no is failed, not a crash loop', () => {
    const s = run(emptySnapshot(), {}).next;
    const { next, events } = run(s, {
      policy: 'no',
      now: T0 + 5000,
      observed: obs({ active: 'failed', pid: null, restarts: 0, result: 'exit-code' }),
      exits: [exit(0, T0 + 4000)],
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['crashed'],
    );
    assert.equal(next.state, 'failed');
  });

  it('a requested stop: stopped event, no crash', () => {
    const s = run(emptySnapshot(), {}).next;
    const { next, events } = run(s, {
      intent: { action: 'stop', at: T0 + 4000 },
      now: T0 + 5000,
      observed: obs({ active: 'inactive', sub: 'dead', pid: null, since: T0 + 4500 }),
      exits: [exit(0, T0 + 4400, { result: 'success', how: 'killed', code: null, signal: 'SIGTERM' })],
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['stopped'],
    );
    assert.equal(next.state, 'stopped');
    assert.deepEqual(next.crashes, []);
  });

  it('OOM kill is its own event type', () => {
    const s = run(emptySnapshot(), {}).next;
    const { events } = run(s, {
      now: T0 + 5000,
      observed: obs({ pid: 300, restarts: 1, since: T0 + 4900 }),
      exits: [exit(0, T0 + 4800, { result: 'oom-kill', how: 'killed', code: null, signal: 'SIGKILL' })],
    });
    assert.equal(events[0]!.type, 'oom-killed');
    assert.match(events[0]!.message, /out-of-memory/);
  });

  it('drift is reported once, when it appears', () => {
    const s = run(emptySnapshot(), {}).next;
    const a = run(s, { drift: { drifted: true, hash: 'abc' } });
    assert.deepEqual(
      a.events.map((e) => e.type),
      ['drift'],
    );
    assert.deepEqual(run(a.next, { drift: { drifted: true, hash: 'abc' } }).events, []);
    assert.equal(run(a.next, { drift: { drifted: false, hash: 'def' } }).next.drifted, false);
  });

  it('derives states from manager states', () => {
    assert.equal(deriveState(obs({ loaded: false }), false), 'unknown');
    assert.equal(
      deriveState(obs({ active: 'activating', sub: 'auto-restart', pid: null }), false),
      'starting',
    );
    assert.equal(deriveState(obs({ active: 'inactive', pid: null }), false), 'stopped');
    assert.equal(deriveState(obs({ active: 'failed', pid: null }), false), 'failed');
    assert.equal(deriveState(obs(), true), 'crashloop');
  });
});

describe('an amending exit record (systemd knew more than the launcher about the same run)', () => {
  const killed = { result: 'signal', how: 'killed' as const, code: null, signal: 'SIGKILL' };
  it('gives the better verdict without a reconstructed restart or a second crash counted', () => {
    const s1 = run(emptySnapshot(), {}).next;
    const first = run(s1, { now: T0 + 2000, exits: [exit(0, T0 + 1400, killed)] });
    assert.deepEqual(
      first.events.map((e) => e.type),
      ['crashed'],
    );
    const amended = run(first.next, {
      now: T0 + 2100,
      exits: [exit(90, T0 + 1420, { ...killed, result: 'oom-kill', amends: T0 + 1400 })],
    });
    assert.deepEqual(
      amended.events.map((e) => e.type),
      ['oom-killed'],
    );
    assert.equal(amended.next.crashes.length, 1);
    assert.equal(amended.events[0]?.data?.amends, T0 + 1400, 'marked, so counters of ends skip it');
    assert.match(amended.next.lastExit?.reason ?? '', /out-of-memory/);
  });
});
