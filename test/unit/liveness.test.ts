/**
 * Liveness (`health.restartAfterFailures`): the health monitor counts consecutive failed probes of one
 * running process, Liveness restarts through the manager and records `restarted-unhealthy`, and the
 * supervisor counts those restarts toward a crash loop. Fakes for the prober, manager and journal.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import {
  HealthMonitor,
  type HealthServiceInput,
  type LivenessRestart,
} from '../../agent/app/health-monitor.js';
import { Liveness } from '../../agent/app/liveness.js';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { NewEvent } from '../../agent/core/events.js';
import type { ProbeHealth, ProbeResult } from '../../agent/core/health/probe.js';
import type { ProbeSpec } from '../../agent/core/health/probe-spec.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { ObservedStatus } from '../../agent/core/observed.js';
import type { ServiceState, ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { HealthProber } from '../../agent/ports/health-prober.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { ExitJournal } from '../../agent/ports/exit-journal.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath } from '../helpers/temp-db.js';

const T0 = Date.UTC(2026, 11, 2, 12);
const PROBE: ProbeSpec = { kind: 'tcp', host: '127.0.0.1', port: 6379 };

/** Answers each probe with the next scripted health (then keeps the last one). */
class ScriptedProber implements HealthProber {
  calls = 0;
  constructor(
    private readonly script: ProbeHealth[],
    private readonly now: () => number,
  ) {}
  async probe(): Promise<ProbeResult> {
    const health = this.script[Math.min(this.calls++, this.script.length - 1)]!;
    const error = health === 'down' ? `no connection within 1000 ms (probe ${this.calls})` : null;
    return { health, httpStatus: null, latencyMs: 1, reported: null, checks: null, error, at: this.now() };
  }
}

function status(pid: number | null, state: ServiceState = 'running'): StatusDoc {
  const s: ServiceStatus = {
    name: 'r',
    unit: 'vigil-r.service',
    state,
    pid,
    restarts: 0,
    since: new Date(T0 - 60_000).toISOString(),
    lastExit: null,
    health: 'unknown',
    drifted: false,
    memoryBytes: null,
    cpuNsec: null,
  };
  return { services: [s] };
}

const svc = (restartAfterFailures?: number): HealthServiceInput[] => [
  {
    name: 'r',
    spec: {
      health: {
        probe: PROBE,
        intervalSec: 1,
        timeoutSec: 1,
        stableSec: 0,
        ...(restartAfterFailures ? { restartAfterFailures } : {}),
      },
    },
  },
];

/** One probe per call: tick (starts the due probe), let it answer, tick again; the restarts asked for. */
async function probeOnce(
  mon: HealthMonitor,
  clock: FakeClock,
  services: HealthServiceInput[],
  doc: StatusDoc,
): Promise<LivenessRestart[]> {
  const a = mon.tick(services, doc, clock.now()).restarts;
  await mon.settle();
  const b = mon.tick(services, doc, clock.now()).restarts;
  await clock.advance(1000);
  return [...a, ...b];
}

describe('liveness counting (HealthMonitor)', () => {
  it('asks for a restart after N consecutive failures, with the last error; a passing or degraded probe resets the count', async () => {
    const clock = new FakeClock(T0);
    const prober = new ScriptedProber(
      ['down', 'down', 'healthy', 'down', 'degraded', 'down', 'down', 'down'],
      () => clock.now(),
    );
    const mon = new HealthMonitor(prober);
    const asked: LivenessRestart[][] = [];
    for (let i = 0; i < 8; i++) asked.push(await probeOnce(mon, clock, svc(3), status(100)));
    assert.deepEqual(
      asked.map((a) => a.length),
      [0, 0, 0, 0, 0, 0, 0, 1],
    );
    assert.deepEqual(asked[7], [
      { service: 'r', pid: 100, failures: 3, error: 'no connection within 1000 ms (probe 8)', probe: PROBE },
    ]);
  });

  it('one restart per hung process: held until the PID changes, then counted afresh', async () => {
    const clock = new FakeClock(T0);
    const mon = new HealthMonitor(new ScriptedProber(['down'], () => clock.now()));
    let n = 0;
    for (let i = 0; i < 2; i++) n += (await probeOnce(mon, clock, svc(2), status(100))).length;
    assert.equal(n, 1, 'restart asked after 2 failures');
    for (let i = 0; i < 5; i++) n += (await probeOnce(mon, clock, svc(2), status(100))).length;
    assert.equal(n, 1, 'the same process, still failing while it is being restarted: not asked again');
    n += (await probeOnce(mon, clock, svc(2), status(101))).length;
    assert.equal(n, 1, 'the new process failed once');
    const again = await probeOnce(mon, clock, svc(2), status(101));
    assert.equal(again.length, 1, 'and twice: restarted again');
    assert.equal(again[0]!.pid, 101);
  });

  it('a refused restart is released, and counting starts again', async () => {
    const clock = new FakeClock(T0);
    const mon = new HealthMonitor(new ScriptedProber(['down'], () => clock.now()));
    assert.equal((await probeOnce(mon, clock, svc(1), status(100))).length, 1);
    assert.equal((await probeOnce(mon, clock, svc(1), status(100))).length, 0, 'held');
    mon.releaseRestart('r');
    assert.equal(
      (await probeOnce(mon, clock, svc(1), status(100))).length,
      1,
      'released: the next failure asks again',
    );
  });

  it('never without restartAfterFailures; never for a service that is not running; a result from a replaced process is not counted', async () => {
    const clock = new FakeClock(T0);
    const mon = new HealthMonitor(new ScriptedProber(['down'], () => clock.now()));
    for (let i = 0; i < 5; i++) assert.equal((await probeOnce(mon, clock, svc(), status(100))).length, 0);

    const slow = new HealthMonitor({
      probe: () =>
        new Promise((res) =>
          setTimeout(
            () =>
              res({
                health: 'down',
                httpStatus: null,
                latencyMs: 1,
                reported: null,
                checks: null,
                error: 'late',
                at: T0,
              }),
            30,
          ),
        ),
    });
    slow.tick(svc(1), status(200), clock.now()); // probe of pid 200 in flight
    slow.tick(svc(1), status(201), clock.now()); // replaced before it answers
    await slow.settle();
    assert.deepEqual(
      slow.tick(svc(1), status(201), clock.now()).restarts,
      [],
      'the old process failure is not the new one’s',
    );

    const stopped = new HealthMonitor(new ScriptedProber(['down'], () => clock.now()));
    for (let i = 0; i < 3; i++)
      assert.equal((await probeOnce(stopped, clock, svc(1), status(null, 'starting'))).length, 0);
  });
});

describe('Liveness restarts', () => {
  const req: LivenessRestart = {
    service: 'r',
    pid: 100,
    failures: 3,
    error: 'timed out after 2000 ms',
    probe: { kind: 'http', url: 'http://127.0.0.1:8080/health' },
  };

  it('restarts through the manager, records restarted-unhealthy with the last probe error, counts a failure', async () => {
    const restarted: string[][] = [];
    const events: NewEvent[] = [];
    const failures: [string, number][] = [];
    const live = new Liveness({
      manager: { restart: async (s) => void restarted.push([...s]) },
      record: (e) => events.push(...e),
      countFailure: (s, at) => failures.push([s, at]),
      released: () => assert.fail('not released'),
      onError: (err) => assert.fail(String(err)),
      // Read before the restart: what the hung process wrote last.
      readLogTail: async (s, n) => [`${s}: ${n} lines`, `restarted so far: ${restarted.length}`],
    });
    live.restart([req], T0);
    live.restart([req], T0); // already under way: not twice
    await live.settle();
    assert.deepEqual(restarted, [['r']]);
    assert.deepEqual(failures, [['r', T0]]);
    assert.deepEqual(events, [
      {
        key: `restarted-unhealthy:r:100:${T0}`,
        at: T0,
        service: 'r',
        type: 'restarted-unhealthy',
        severity: 'warning',
        message: 'r was restarted after 3 failed health checks in a row (last: timed out after 2000 ms)',
        data: {
          pid: 100,
          failures: 3,
          probe: 'http://127.0.0.1:8080/health',
          error: 'timed out after 2000 ms',
        },
        logTail: ['r: 20 lines', 'restarted so far: 0'],
      },
    ]);
  });

  it('a log tail that cannot be read leaves it out; the restart goes on', async () => {
    const events: NewEvent[] = [];
    const errors: string[] = [];
    const live = new Liveness({
      manager: { restart: async () => undefined },
      record: (e) => events.push(...e),
      countFailure: () => undefined,
      released: () => assert.fail('not released'),
      onError: (err, _s, what) => errors.push(`${what}: ${(err as Error).message}`),
      readLogTail: async () => Promise.reject(new Error('EACCES')),
    });
    live.restart([req], T0);
    await live.settle();
    assert.deepEqual(errors, ['log tail: EACCES']);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.logTail, undefined);
  });

  it('a failed restart records nothing and releases the hold', async () => {
    const released: string[] = [];
    const errors: string[] = [];
    const live = new Liveness({
      manager: {
        restart: async () => Promise.reject(new Error('Failed to restart vigil-r.service: Access denied')),
      },
      record: () => assert.fail('no event'),
      countFailure: () => assert.fail('no failure counted'),
      released: (s) => released.push(s),
      onError: (err) => errors.push((err as Error).message),
    });
    live.restart([req], T0);
    await live.settle();
    assert.deepEqual(released, ['r']);
    assert.deepEqual(errors, ['Failed to restart vigil-r.service: Access denied']);
  });
});

describe('liveness restarts count toward crash-loop detection (Supervisor)', () => {
  it('three liveness restarts inside the window: crashloop, though the process never exited', async () => {
    const clock = new FakeClock(T0);
    const store = SqliteStore.open(tempDbPath());
    const spec: ServiceSpec = {
      name: 'r',
      description: undefined,
      command: ['/bin/true'],
      cwd: undefined,
      env: {},
      credentials: ['r'],
      dependsOn: [],
      restart: { policy: 'always', delaySec: 1, burst: 3, intervalSec: 60 },
      health: { probe: PROBE, intervalSec: 1, timeoutSec: 1, restartAfterFailures: 1 },
      metrics: undefined,
      limits: { memoryBytes: undefined, cpuPercent: undefined },
    };
    store.upsertService({
      name: 'r',
      unit: 'vigil-r.service',
      spec,
      hash: 'h',
      installedAt: T0,
      updatedAt: T0,
    });
    let pid = 100;
    const observed = (): ObservedStatus => ({
      service: 'r',
      unit: 'vigil-r.service',
      loaded: true,
      active: 'active',
      sub: 'running',
      pid,
      restarts: 0,
      result: 'success',
      lastExit: null,
      since: T0,
      memoryBytes: null,
      cpuNsec: null,
    });
    const journal: ExitJournal = { readSince: async (offset) => ({ records: [], next: offset }) };
    const manager = {
      status: async () => [observed()],
      listInstalled: async () => [],
      restart: async () => void pid++,
    };
    const sup = new Supervisor({
      manager: manager as unknown as ServiceManager,
      store,
      journal,
      clock,
      logger: pino({ level: 'silent' }),
      readLogTail: async () => [],
    });
    const live = new Liveness({
      manager,
      record: (e) => sup.record(e),
      countFailure: (s, at) => sup.noteFailure(s, at),
      released: () => undefined,
      onError: (err) => assert.fail(String(err)),
    });
    const types: string[] = [];
    sup.subscribe((e) => types.push(e.type));
    await sup.tick();
    for (let i = 0; i < 3; i++) {
      await clock.advance(5000);
      live.restart(
        [{ service: 'r', pid, failures: 1, error: 'connection refused', probe: PROBE }],
        clock.now(),
      );
      await live.settle();
      await sup.tick({ full: true });
    }
    assert.deepEqual(
      types.filter((t) => t !== 'started'),
      ['restarted-unhealthy', 'restarted-unhealthy', 'restarted-unhealthy', 'crashloop'],
    );
    assert.equal(sup.currentStatus().services[0]!.state, 'crashloop');
    store.close();
  });
});
