/**
 * Alert precision on the real core: the down timer runs on the raw health (stableSec delays only the
 * green), intents hold back pages for stops and restarts Vigil asked for, an intent ends a crash episode,
 * an outside SIGTERM is a `killed` event that counts toward a crash loop, and the intent-recording manager.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEngine, type AlertServiceView } from '../../agent/core/alerts/engine.js';
import { DEFAULT_ALERTS } from '../../agent/core/alerts/config.js';
import { initialHealth, stepHealth, type HealthSnapshot } from '../../agent/core/health/machine.js';
import type { ProbeResult } from '../../agent/core/health/probe.js';
import type { ServiceState } from '../../agent/core/status.js';
import {
  downTimerStart,
  intentKey,
  intentOver,
  SETTLE_MAX_MS,
  type Intent,
} from '../../agent/core/intent.js';
import { step, type StepInput } from '../../agent/core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../../agent/core/supervise/model.js';
import type { ExitRecord, ObservedStatus } from '../../agent/core/observed.js';
import { IntentRecordingManager } from '../../agent/app/service-actions.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { observedRunning } from '../helpers/observed.js';

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const S = 1000;

/** One service through the real health machine and alert engine, one step per simulated second. */
class Pipeline {
  snap: HealthSnapshot = {
    ...initialHealth(T0),
    health: 'healthy',
    raw: 'healthy',
    rawSince: T0 - 3600 * S,
    since: T0 - 3600 * S,
    streakSince: T0 - 3600 * S,
  };
  readonly engine = new AlertEngine({ ...DEFAULT_ALERTS, downForSec: 15 }, 'UTC');
  readonly pages: string[] = [];
  intent: Intent | null = null;

  /** `probeAt`: when the probe read this tick was taken (default now; a probe every 5 s is re-read in between). */
  tick(
    now: number,
    state: ServiceState,
    processSince: number,
    probe: ProbeResult['health'] | null,
    stableSec = 10,
    probeAt = now,
  ): void {
    const p: ProbeResult | null =
      probe === null
        ? null
        : {
            health: probe,
            httpStatus: probe === 'healthy' ? 200 : null,
            latencyMs: 1,
            reported: null,
            checks: null,
            error: probe === 'healthy' ? null : 'connection refused',
            at: probeAt,
          };
    this.snap = stepHealth(this.snap, {
      service: 'api',
      state,
      processSince,
      probed: true,
      probe: p,
      stableMs: stableSec * S,
      now,
    }).next;
    const view: AlertServiceView = {
      name: 'api',
      state,
      health: this.snap.health,
      healthSince: this.snap.since,
      healthReason: this.snap.reason,
      drifted: false,
      rawHealth: this.snap.raw,
      rawSince: this.snap.rawSince,
      processSince,
      intent: this.intent,
    };
    const out = this.engine.step({ services: [view], oneShots: [], now });
    this.pages.push(
      ...out.send.filter((n) => n.kind === 'firing').map((n) => `${(now - T0) / S}s ${n.rule}`),
    );
  }
}

describe('the down timer runs on what the probe says, not on the stable period', () => {
  it('kill -9, back in 1 s, probed every 5 s, stableSec 10, downForSec 15: no page, though red for 16 s', () => {
    const p = new Pipeline();
    p.tick(T0, 'running', T0 - 3600 * S, 'healthy');
    p.tick(T0 + 1 * S, 'starting', T0 + 1 * S, null); // killed, the manager restarts it after 1 s
    let redFor = 1;
    for (let t = 2; t <= 40; t++) {
      // a probe at once for the new process (not listening yet), then every 5 s (healthy)
      const at = t < 7 ? 2 : 7 + Math.floor((t - 7) / 5) * 5;
      p.tick(T0 + t * S, 'running', T0 + 2 * S, at === 2 ? 'down' : 'healthy', 10, T0 + at * S);
      if (p.snap.health !== 'healthy') redFor = t;
    }
    assert.deepEqual(p.pages, []);
    assert.equal(redFor, 16, 'red until 10 s after the first healthy probe: longer than downForSec');
    assert.equal(p.snap.health, 'healthy');
  });

  it('a service that stays down pages after downForSec from when it stopped being up', () => {
    const p = new Pipeline();
    p.tick(T0, 'running', T0 - 3600 * S, 'healthy');
    for (let t = 1; t <= 20; t++) p.tick(T0 + t * S, 'running', T0 - 3600 * S, 'down');
    assert.deepEqual(p.pages, ['16s service-down'], 'down since the probe at 1 s, paged at 16 s');
  });

  it('a hung probe in a running process pages like a dead one; recovery resolves at the first good probe', () => {
    const p = new Pipeline();
    const sent: string[] = [];
    for (let t = 0; t <= 30; t++) {
      p.tick(T0 + t * S, 'running', T0 - 3600 * S, t >= 5 && t < 25 ? 'down' : 'healthy');
      sent.push(...p.engine.firing().map((a) => a.rule));
    }
    assert.deepEqual(p.pages, ['20s service-down']);
    assert.equal(p.engine.firing().length, 0, 'resolved at 25 s although still red (stable period)');
    assert.notEqual(p.snap.health, 'healthy');
  });
});

describe('intents hold back pages of stops and restarts Vigil asked for', () => {
  it('vigil stop of a slow-stopping service: no page while it stops, none once stopped', () => {
    const p = new Pipeline();
    p.tick(T0, 'running', T0 - 3600 * S, 'healthy');
    p.intent = { action: 'stop', at: T0 + 1 * S };
    for (let t = 1; t <= 30; t++) p.tick(T0 + t * S, 'starting', T0 + 1 * S, null); // deactivating for 30 s
    for (let t = 31; t <= 100; t++) p.tick(T0 + t * S, 'stopped', T0 + 31 * S, null);
    assert.deepEqual(p.pages, []);
  });

  it('a failed exit after vigil stop (non-zero on SIGTERM) does not page either', () => {
    const p = new Pipeline();
    p.intent = { action: 'stop', at: T0 };
    for (let t = 0; t <= 60; t++) p.tick(T0 + t * S, 'failed', T0 + 1 * S, null);
    assert.deepEqual(p.pages, []);
  });

  it('start/resume after a long stop: the timer starts with the new process, not when it was stopped', () => {
    const p = new Pipeline();
    p.intent = { action: 'stop', at: T0 };
    for (let t = 0; t <= 60; t++) p.tick(T0 + t * S, 'stopped', T0, null);
    p.intent = { action: 'start', at: T0 + 61 * S };
    p.tick(T0 + 61 * S, 'running', T0 + 61 * S, 'down');
    for (let t = 62; t <= 80; t++) p.tick(T0 + t * S, 'running', T0 + 61 * S, t >= 64 ? 'healthy' : 'down');
    assert.deepEqual(p.pages, []);
  });

  it('a started service that never comes up pages downForSec after it started', () => {
    const p = new Pipeline();
    p.intent = { action: 'start', at: T0 };
    p.tick(T0, 'starting', T0, null);
    for (let t = 1; t <= 30; t++) p.tick(T0 + t * S, 'running', T0 + 1 * S, 'down');
    assert.deepEqual(p.pages, ['16s service-down']);
  });

  it('a restart Vigil asked for (apply, rotation) with a 20 s stop does not page', () => {
    const p = new Pipeline();
    p.tick(T0, 'running', T0 - 3600 * S, 'healthy');
    p.intent = { action: 'restart', at: T0 + 1 * S };
    for (let t = 1; t <= 20; t++) p.tick(T0 + t * S, 'starting', T0 + 1 * S, null);
    for (let t = 21; t <= 60; t++) p.tick(T0 + t * S, 'running', T0 + 21 * S, t >= 23 ? 'healthy' : 'down');
    assert.deepEqual(p.pages, []);
  });

  it('no intent: the same 20 s stop is an outage and pages', () => {
    const p = new Pipeline();
    p.tick(T0, 'running', T0 - 3600 * S, 'healthy');
    for (let t = 1; t <= 20; t++) p.tick(T0 + t * S, 'starting', T0 + 1 * S, null);
    assert.deepEqual(p.pages, ['16s service-down']);
  });

  it('downTimerStart: a stop holds until a process started after it; a start that never settles counts from the intent', () => {
    const stop: Intent = { action: 'stop', at: T0 };
    assert.equal(
      downTimerStart(T0, stop, { state: 'running', since: T0 - 60 * S }, T0 + 5 * S),
      null,
      'the old process, still stopping',
    );
    assert.equal(
      downTimerStart(T0, stop, { state: 'running', since: T0 + 30 * S }, T0 + 40 * S),
      T0 + 30 * S,
      'started again by someone',
    );
    const start: Intent = { action: 'start', at: T0 };
    assert.equal(
      downTimerStart(T0 - 999 * S, start, { state: 'starting', since: T0 }, T0 + SETTLE_MAX_MS - 1),
      null,
    );
    assert.equal(
      downTimerStart(T0 - 999 * S, start, { state: 'starting', since: T0 }, T0 + SETTLE_MAX_MS),
      T0,
    );
    assert.equal(
      downTimerStart(T0 - 999 * S, null, { state: 'starting', since: T0 }, T0),
      T0 - 999 * S,
      'no intent: when it stopped being up',
    );
    assert.equal(
      intentOver(stop, { state: 'stopped', since: T0 + 1 * S }),
      false,
      'stopped as asked: still meant to be down',
    );
    assert.equal(intentOver(stop, { state: 'running', since: T0 + 30 * S }), true);
    assert.equal(intentOver(start, { state: 'starting', since: T0 }), false);
    assert.equal(
      intentOver(start, { state: 'failed', since: T0 + 2 * S }),
      true,
      'a start that failed is settled',
    );
    // a stop is over once a process started after it runs: from then on nothing is held
    const over: Intent = { action: 'stop', at: T0, overAt: T0 + 30 * S };
    assert.equal(
      downTimerStart(T0 + 60 * S, over, { state: 'starting', since: T0 + 60 * S }, T0 + 61 * S),
      T0 + 60 * S,
      'an auto-restart after it is down for real',
    );
    assert.equal(
      downTimerStart(T0, over, { state: 'starting', since: T0 + 60 * S }, T0 + 61 * S),
      T0 + 30 * S,
    );
    // vigil start of a service already running changes nothing: after a few seconds it holds nothing
    const old = { state: 'running' as const, since: T0 - 3600 * S };
    assert.equal(
      downTimerStart(T0 + 2 * S, start, old, T0 + 4 * S),
      null,
      'the manager may not have acted yet',
    );
    assert.equal(downTimerStart(T0 + 2 * S, start, old, T0 + 5 * S), T0 + 2 * S);
  });

  it('a crash loop under a stop intent does not page; under no intent it does', () => {
    for (const intent of [{ action: 'stop', at: T0 } as Intent, null]) {
      const e = new AlertEngine({ ...DEFAULT_ALERTS }, 'UTC');
      const out = e.step({
        services: [
          {
            name: 'x',
            state: 'crashloop',
            health: 'down',
            healthSince: T0,
            healthReason: null,
            drifted: false,
            processSince: T0 - 5 * S,
            intent,
          },
        ],
        oneShots: [],
        now: T0 + 5 * S,
      });
      assert.equal(out.send.length, intent ? 0 : 1);
    }
  });
});

// ---- the supervision state machine with intents ----

const obs = (over: Partial<ObservedStatus> = {}): ObservedStatus => observedRunning(T0, over);
const crash = (offset: number, at: number): ExitRecord => ({
  offset,
  at,
  service: 'web',
  result: 'exit-code',
  how: 'exited',
  code: 1,
  signal: null,
});
const term = (offset: number, at: number): ExitRecord => ({
  offset,
  at,
  service: 'web',
  result: 'success',
  how: 'killed',
  code: null,
  signal: 'TERM',
});
const rule = loopRule({ burst: 5, intervalSec: 10 });
const run = (prev: ServiceSnapshot, over: Partial<StepInput>) =>
  step(prev, { service: 'web', observed: obs(), exits: [], policy: 'always', rule, now: T0, ...over });

describe('crash episodes and intents', () => {
  it('a fixed crash loop (start limit hit, fixed command applied) clears as soon as the new process runs', () => {
    let s = run(emptySnapshot(), {}).next;
    const exits = [0, 1, 2, 3, 4].map((i) => crash(i, T0 + (i + 1) * 1500));
    s = run(s, {
      now: T0 + 8000,
      observed: obs({
        active: 'failed',
        sub: 'failed',
        pid: null,
        restarts: 5,
        result: 'start-limit-hit',
        since: T0 + 7600,
      }),
      exits,
    }).next;
    assert.equal(s.state, 'crashloop');
    const intent: Intent = { action: 'restart', at: T0 + 20_000 }; // vigil apply with the fixed command
    const fixed = run(s, {
      now: T0 + 21_000,
      observed: obs({ pid: 300, restarts: 0, since: T0 + 20_100 }),
      intent,
    });
    assert.equal(fixed.next.state, 'running');
    assert.equal(fixed.next.loopKey, null);
    assert.deepEqual(fixed.next.crashes, []);
  });

  it('the agent started within 60 s of the fix reads the old crashes and still sees no loop', () => {
    const exits = [0, 1, 2, 3, 4].map((i) => crash(i, T0 + (i + 1) * 1500));
    const intent: Intent = { action: 'restart', at: T0 + 20_000 };
    const first = run(emptySnapshot(), {
      now: T0 + 30_000,
      observed: obs({ pid: 300, since: T0 + 20_100 }),
      exits,
      intent,
    });
    assert.equal(first.next.state, 'running');
    assert.deepEqual(
      first.events.map((e) => e.type).filter((t) => t === 'crashloop'),
      [],
    );
  });

  it('still crashing after the fix: a new loop from crashes after the intent', () => {
    const intent: Intent = { action: 'restart', at: T0 };
    let s = run(emptySnapshot(), { intent }).next;
    const types: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = run(s, {
        now: T0 + (i + 1) * 2000,
        observed: obs({ pid: 400 + i, restarts: i + 1, since: T0 + (i + 1) * 2000 - 400 }),
        exits: [crash(10 + i, T0 + (i + 1) * 2000 - 500)],
        intent,
      });
      s = out.next;
      types.push(...out.events.map((e) => e.type));
    }
    assert.equal(s.state, 'crashloop');
    assert.equal(types.filter((t) => t === 'crashloop').length, 1);
  });

  it('a restart because it failed (launchd memory limit: keepCrashes) keeps the episode; its SIGTERM is intended', () => {
    let s = run(emptySnapshot(), { observed: obs({ since: T0 - 60_000 }) }).next;
    s = run(s, {
      now: T0 + 2000,
      observed: obs({ pid: 101, restarts: 1, since: T0 + 1600 }),
      exits: [crash(0, T0 + 1500)],
    }).next;
    const intent: Intent = { action: 'restart', at: T0 + 3000, keepCrashes: true };
    const out = run(s, {
      now: T0 + 4000,
      observed: obs({ pid: 102, since: T0 + 3500 }),
      exits: [term(1, T0 + 3200)],
      intent,
    });
    assert.deepEqual(out.next.crashes, [T0 + 1500], 'the crash before still counts');
    assert.ok(!out.events.some((e) => e.type === 'killed'));
  });

  it('an outside SIGTERM is a killed event (warning) and counts toward a crash loop', () => {
    let s = run(emptySnapshot(), {}).next;
    const types: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = run(s, {
        now: T0 + (i + 1) * 2000,
        observed: obs({ pid: 500 + i, restarts: i + 1, since: T0 + (i + 1) * 2000 - 400 }),
        exits: [term(i, T0 + (i + 1) * 2000 - 500)],
      });
      s = out.next;
      types.push(...out.events.map((e) => `${e.type}:${e.severity}`));
    }
    assert.deepEqual(
      types.filter((t) => t.startsWith('killed')),
      ['killed:warning', 'killed:warning', 'killed:warning'],
    );
    assert.ok(types.includes('crashloop:critical'));
    assert.equal(s.state, 'crashloop');
  });

  it('the SIGTERM of vigil stop/restart is neither killed nor a crash; a later outside one is', () => {
    const s = run(emptySnapshot(), { observed: obs({ since: T0 - 60_000 }) }).next;
    const intent: Intent = { action: 'restart', at: T0 + 1000 };
    const r = run(s, {
      now: T0 + 3000,
      observed: obs({ pid: 101, since: T0 + 2000 }),
      exits: [term(0, T0 + 1500)],
      intent,
    });
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['started'],
    );
    assert.deepEqual(r.next.crashes, []);
    const later = run(r.next, {
      now: T0 + 60_000,
      observed: obs({ pid: 102, restarts: 1, since: T0 + 59_000 }),
      exits: [term(1, T0 + 58_500)],
      intent,
    });
    assert.deepEqual(
      later.events.map((e) => e.type),
      ['killed', 'restarted'],
      'the process that ended was started after the intent',
    );
  });
});

describe('IntentRecordingManager', () => {
  function setup(fail = false) {
    const store = SqliteStore.open(tempDbPath());
    const clock = new FakeClock(T0);
    const calls: string[] = [];
    const inner = {
      backend: 'systemd',
      async stop(s: readonly string[]) {
        calls.push(`stop ${s.join(',')}`);
        if (fail) throw new Error('systemctl failed');
      },
      async start(s: readonly string[]) {
        calls.push(`start ${s.join(',')}`);
      },
      async restart(s: readonly string[]) {
        calls.push(`restart ${s.join(',')} intent=${JSON.stringify(store.getState(intentKey(s[0]!)))}`);
      },
      async enableAndStart(s: readonly string[]) {
        calls.push(`enable ${s.join(',')}`);
      },
      async remove(s: readonly string[]) {
        calls.push(`remove ${s.join(',')}`);
      },
    } as unknown as ServiceManager;
    return { store, clock, calls, m: new IntentRecordingManager(inner, () => store, clock) };
  }

  it('records each action per service before asking the manager; remove forgets', async () => {
    const { store, clock, calls, m } = setup();
    await m.stop(['a', 'b']);
    assert.deepEqual(store.getState(intentKey('a')), { action: 'stop', at: T0 });
    assert.deepEqual(store.getState(intentKey('b')), { action: 'stop', at: T0 });
    await clock.advance(5000);
    await m.restart(['a']);
    assert.equal(
      calls.at(-1),
      `restart a intent=${JSON.stringify({ action: 'restart', at: T0 + 5000 })}`,
      'stored before the call',
    );
    await m.enableAndStart(['c']);
    assert.deepEqual(store.getState(intentKey('c')), { action: 'start', at: T0 + 5000 });
    await m.remove(['a']);
    assert.equal(store.getState(intentKey('a')), undefined);
    store.close();
  });

  it('a failed call puts the previous intent back', async () => {
    const { store, m } = setup(true);
    store.setState(intentKey('a'), { action: 'start', at: 1 });
    await assert.rejects(m.stop(['a']), /systemctl failed/);
    assert.deepEqual(store.getState(intentKey('a')), { action: 'start', at: 1 });
    store.close();
  });

  it('a stop or restart also records the intent for the services that require the target (healthy dependsOn), transitively; a start does not', async () => {
    const { store, clock, m } = setup();
    const svc = (name: string, waitFor: string[], dependsOn = waitFor) =>
      store.upsertService({
        name,
        unit: `vigil-${name}.service`,
        spec: {
          name,
          dependsOn,
          waitFor: waitFor.map((service) => ({
            service,
            probe: { kind: 'tcp', host: '127.0.0.1', port: 6379 },
            timeoutSec: 2,
          })),
        } as unknown as ServiceSpec,
        hash: 'h',
        installedAt: T0,
        updatedAt: T0,
      });
    svc('redis', []);
    svc('api', ['redis']);
    svc('worker', ['api']);
    svc('cron', [], ['redis']); // dependsOn started: Wants=, systemd leaves it alone
    await m.stop(['redis']);
    for (const s of ['redis', 'api', 'worker'])
      assert.deepEqual(store.getState(intentKey(s)), { action: 'stop', at: T0 }, s);
    assert.equal(store.getState(intentKey('cron')), undefined);
    await clock.advance(5000);
    await m.start(['redis']);
    assert.deepEqual(
      store.getState(intentKey('api')),
      { action: 'stop', at: T0 },
      'starting the dependency does not start its dependents',
    );
    await m.restart(['api']);
    assert.deepEqual(store.getState(intentKey('worker')), { action: 'restart', at: T0 + 5000 });
    assert.deepEqual(
      store.getState(intentKey('redis')),
      { action: 'start', at: T0 + 5000 },
      'the dependency is not touched by its dependent',
    );
    store.close();
  });

  it('without a database it only forwards', async () => {
    const clock = new FakeClock(T0);
    const calls: string[] = [];
    const inner = {
      backend: 'systemd',
      start: async (s: readonly string[]) => void calls.push(s.join(',')),
    } as unknown as ServiceManager;
    await new IntentRecordingManager(inner, () => null, clock).start(['x']);
    assert.deepEqual(calls, ['x']);
  });
});

describe('an exit before the intent was not caused by it', () => {
  it('crashes a moment before a fix is applied stay crashes in the history (the agent started late)', async () => {
    const { intendedExit } = await import('../../agent/core/intent.js');
    const intent = { action: 'restart' as const, at: 10_000 };
    const unseen = { active: 'unknown', since: null };
    // Three crashes of a start-limit loop within the second before the apply's restart.
    for (const at of [9_100, 9_400, 9_800])
      assert.equal(intendedExit(intent, at, unseen), false, `exit at ${at}`);
    assert.equal(intendedExit(intent, 10_050, unseen), true, 'the restart’s own exit');
  });
});
