import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialHealth,
  overallHealth,
  stepHealth,
  worstHealth,
  type HealthInput,
  type HealthSnapshot,
} from '../../agent/core/health/machine.js';
import { HealthMonitor } from '../../agent/app/health-monitor.js';
import { KindProber } from '../../agent/adapters/probe/kind-prober.js';
import { NodeProcessRunner } from '../../agent/adapters/process/node-runner.js';
import type { ProbeResult } from '../../agent/core/health/probe.js';
import type { ServiceState, ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';
import { statusDocument } from '../../agent/core/status-parts.js';

const T0 = Date.UTC(2025, 0, 1);

function probe(health: ProbeResult['health'], at: number): ProbeResult {
  return {
    health,
    httpStatus: health === 'down' ? 503 : 200,
    latencyMs: 3,
    reported: null,
    checks: null,
    error: health === 'down' ? 'HTTP 503' : null,
    at,
  };
}

function input(over: Partial<HealthInput>): HealthInput {
  return {
    service: 'web',
    state: 'running',
    processSince: T0 - 60_000,
    probed: true,
    probe: null,
    stableMs: 10_000,
    now: T0,
    ...over,
  };
}

describe('health state machine (pure)', () => {
  it('becomes healthy only after the stable period; worse news shows at once', () => {
    let s = initialHealth(T0);
    let out = stepHealth(s, input({ probe: probe('healthy', T0), now: T0 }));
    assert.equal(out.next.health, 'unknown', 'not yet stable');
    assert.match(out.next.reason ?? '', /healthy after 10 s more/);
    assert.equal(out.event, null);
    s = out.next;
    out = stepHealth(s, input({ probe: probe('healthy', T0 + 9000), now: T0 + 9000 }));
    assert.equal(out.next.health, 'unknown');
    out = stepHealth(out.next, input({ probe: probe('healthy', T0 + 10_000), now: T0 + 10_000 }));
    assert.equal(out.next.health, 'healthy');
    assert.equal(out.event?.type, 'health-ok');
    out = stepHealth(out.next, input({ probe: probe('degraded', T0 + 11_000), now: T0 + 11_000 }));
    assert.equal(out.next.health, 'degraded');
    assert.equal(out.event?.type, 'health-degraded');
    assert.equal(out.event?.severity, 'warning');
    out = stepHealth(out.next, input({ probe: probe('down', T0 + 12_000), now: T0 + 12_000 }));
    assert.equal(out.next.health, 'down');
    assert.equal(out.event?.type, 'health-down');
    assert.deepEqual(out.event?.data?.probe, {
      health: 'down',
      httpStatus: 503,
      error: 'HTTP 503',
      latencyMs: 3,
    });
  });

  it('a flapping service never looks green', () => {
    let s: HealthSnapshot = { ...initialHealth(T0), health: 'down' };
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const now = T0 + i * 1000;
      const h = Math.floor(i / 3) % 2 === 0 ? 'healthy' : 'down'; // 3 s up, 3 s down
      s = stepHealth(s, input({ probe: probe(h, now), now })).next;
      seen.add(s.health);
    }
    assert.ok(!seen.has('healthy'), `saw ${[...seen].join(', ')}`);
  });

  it('process state decides when not running; without a probe a running service is healthy after the stable period', () => {
    const cases: [ServiceState, string][] = [
      ['stopped', 'down'],
      ['failed', 'down'],
      ['crashloop', 'down'],
      ['starting', 'down'],
      ['unknown', 'unknown'],
    ];
    for (const [state, want] of cases)
      assert.equal(stepHealth(initialHealth(T0), input({ state, probed: false })).next.health, want, state);
    const fresh = stepHealth(initialHealth(T0), input({ probed: false, processSince: T0 - 2000 }));
    assert.equal(fresh.next.health, 'unknown', 'started 2 s ago');
    const old = stepHealth(initialHealth(T0), input({ probed: false, processSince: T0 - 60_000 }));
    assert.equal(old.next.health, 'healthy', 'running for a minute already');
  });

  it('a probe older than the current process says nothing about it', () => {
    const prev = {
      health: 'down' as const,
      since: T0,
      streakSince: null,
      reason: 'starting',
      raw: 'down' as const,
      rawSince: T0,
    };
    const out = stepHealth(
      prev,
      input({ processSince: T0 + 5000, probe: probe('healthy', T0 + 1000), now: T0 + 6000, stableMs: 0 }),
    );
    assert.equal(out.next.health, 'down');
    assert.equal(out.event, null);
  });

  it('the raw health follows each observation at once: stableSec delays only the shown green', () => {
    let s: HealthSnapshot = { ...initialHealth(T0), health: 'healthy', raw: 'healthy' };
    s = stepHealth(s, input({ probe: probe('down', T0 + 1000), now: T0 + 1000 })).next;
    assert.deepEqual([s.health, s.raw, s.rawSince], ['down', 'down', T0 + 1000]);
    s = stepHealth(s, input({ probe: probe('healthy', T0 + 3000), now: T0 + 3000 })).next;
    assert.deepEqual(
      [s.health, s.raw, s.rawSince],
      ['down', 'healthy', T0 + 3000],
      'up again at once, still red until stable',
    );
    s = stepHealth(s, input({ probe: probe('healthy', T0 + 8000), now: T0 + 8000 })).next;
    assert.deepEqual(
      [s.health, s.raw, s.rawSince],
      ['down', 'healthy', T0 + 3000],
      'raw since kept while it stays up',
    );
    s = stepHealth(s, input({ probe: probe('healthy', T0 + 13_000), now: T0 + 13_000 })).next;
    assert.equal(s.health, 'healthy');
    // A new process with no probe of its own yet says nothing: the raw health stays what it was.
    const waiting = stepHealth(
      { ...s, raw: 'down', rawSince: T0 + 20_000 },
      input({ processSince: T0 + 21_000, probe: probe('healthy', T0 + 13_000), now: T0 + 21_500 }),
    ).next;
    assert.deepEqual([waiting.raw, waiting.rawSince], ['down', T0 + 20_000]);
  });

  it('overall is the worst health of the services meant to run', () => {
    assert.equal(worstHealth([]), 'healthy');
    assert.equal(worstHealth(['healthy', 'unknown', 'degraded']), 'degraded');
    assert.equal(
      overallHealth([
        { state: 'running', health: 'healthy' },
        { state: 'stopped', health: 'down' },
      ]),
      'healthy',
    );
    assert.equal(
      overallHealth([
        { state: 'running', health: 'healthy' },
        { state: 'failed', health: 'down' },
      ]),
      'down',
    );
  });
});

function status(name: string, pid: number | null, state: ServiceState = 'running'): ServiceStatus {
  return {
    name,
    unit: `vigil-${name}.service`,
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
}

describe('HealthMonitor with real HTTP fixtures and an injected clock', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture();
  });
  after(async () => {
    await fx.close();
  });

  it('drives healthy → degraded → down → healthy, with the stable period before green', async () => {
    const clock = new FakeClock(T0);
    const mon = new HealthMonitor(new KindProber(new NodeProcessRunner(), () => clock.now()));
    const services = [
      {
        name: 'web',
        spec: {
          health: {
            probe: { kind: 'http' as const, url: fx.url('/h') },
            intervalSec: 5,
            timeoutSec: 1,
            stableSec: 20,
          },
        },
      },
    ];
    const doc: StatusDoc = { services: [status('web', 100)] };
    const types: string[] = [];
    const tick = async () => {
      const out = mon.tick(services, doc, clock.now());
      types.push(...out.events.map((e) => e.type));
      await mon.settle();
      const again = mon.tick(services, doc, clock.now()); // fold in the result that just arrived
      types.push(...again.events.map((e) => e.type));
      return statusDocument(doc, { health: mon.part() }).services[0]!;
    };
    const run = async (seconds: number) => {
      let s = await tick();
      for (let i = 0; i < seconds; i++) {
        await clock.advance(1000);
        s = await tick();
      }
      return s;
    };

    fx.set('/h', { status: 200, body: { status: 'healthy', checks: { db: 'ok' } } });
    let s = await run(0);
    assert.equal(s.health, 'unknown', 'first healthy probe: not yet stable');
    s = await run(19);
    assert.equal(s.health, 'unknown', '19 s');
    s = await run(1);
    assert.equal(s.health, 'healthy', '20 s of health');
    assert.deepEqual(s.probe?.checks, { db: 'ok' });
    assert.equal(s.probe?.httpStatus, 200);

    fx.set('/h', { status: 200, body: { status: 'degraded', checks: { db: 'slow' } } });
    s = await run(5);
    assert.equal(s.health, 'degraded');
    assert.equal(s.probe?.reported, 'degraded');

    fx.set('/h', { status: 503, body: 'no' });
    s = await run(5);
    assert.equal(s.health, 'down');
    assert.equal(s.probe?.error, 'HTTP 503');
    assert.match(s.healthReason ?? '', /HTTP 503/);

    fx.set('/h', { status: 200, body: { status: 'ok' } });
    s = await run(5);
    const firstOk = Date.parse(s.probe!.at);
    assert.equal(s.probe?.health, 'healthy');
    assert.equal(s.health, 'down', 'the probe says healthy, but only just');
    await run(Math.round((firstOk + 19_000 - clock.now()) / 1000));
    s = statusDocument(doc, { health: mon.part() }).services[0]!;
    assert.equal(s.health, 'down', '19 s after the first healthy probe');
    s = await run(1);
    assert.equal(s.health, 'healthy', 'after 20 s of stability');
    assert.deepEqual(types, ['health-ok', 'health-degraded', 'health-down', 'health-ok']);
    assert.equal(statusDocument(doc, { health: mon.part() }).overall, 'healthy');
  });

  it('probes each service on its own interval; a hung endpoint does not stall the others', async () => {
    const clock = new FakeClock(T0);
    const mon = new HealthMonitor(new KindProber(new NodeProcessRunner(), () => clock.now()));
    fx.set('/hung', { hang: true });
    fx.set('/a', { status: 200, body: { status: 'ok' } });
    const services = [
      {
        name: 'hung',
        spec: {
          health: {
            probe: { kind: 'http' as const, url: fx.url('/hung') },
            intervalSec: 1,
            timeoutSec: 2,
            stableSec: 0,
          },
        },
      },
      {
        name: 'a',
        spec: {
          health: {
            probe: { kind: 'http' as const, url: fx.url('/a') },
            intervalSec: 2,
            timeoutSec: 1,
            stableSec: 0,
          },
        },
      },
    ];
    const doc: StatusDoc = { services: [status('hung', 10), status('a', 11)] };
    const before = fx.received.filter((r) => r.path === '/a').length;
    const t0 = performance.now();
    mon.tick(services, doc, clock.now());
    assert.equal(mon.inFlight(), 2);
    // Let /a answer while /hung hangs; ticks keep going meanwhile and never wait for /hung.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await clock.advance(1000);
      mon.tick(services, doc, clock.now());
    }
    const tickTime = performance.now() - t0;
    assert.ok(tickTime < 1900, `ticks went on while the hung probe waited (${tickTime} ms)`);
    const probesOfA = fx.received.filter((r) => r.path === '/a').length - before;
    assert.ok(probesOfA >= 2, `a was probed ${probesOfA} times (every 2 s over 4 s)`);
    assert.equal(mon.view('a')?.health, 'healthy');
    assert.equal(fx.received.filter((r) => r.path === '/hung').length >= 1, true);
    assert.equal(mon.view('hung')?.probe, null, 'no result yet: still hung, at most one in flight');
    await mon.settle();
    mon.tick(services, doc, clock.now());
    assert.equal(mon.view('hung')?.health, 'down');
    assert.match(mon.view('hung')?.probe?.error ?? '', /timed out after 2000 ms/);
  });

  it('probes a restarted service at once and never probes a service that is not running', async () => {
    const clock = new FakeClock(T0);
    fx.set('/r', { status: 200, body: { status: 'ok' } });
    const mon = new HealthMonitor(new KindProber(new NodeProcessRunner(), () => clock.now()));
    const services = [
      {
        name: 'r',
        spec: {
          health: { probe: { kind: 'http' as const, url: fx.url('/r') }, intervalSec: 60, timeoutSec: 1 },
        },
      },
    ];
    const count = () => fx.received.filter((x) => x.path === '/r').length;
    const n0 = count();
    mon.tick(services, { services: [status('r', 20)] }, clock.now());
    await mon.settle();
    assert.equal(count(), n0 + 1);
    await clock.advance(1000);
    mon.tick(services, { services: [status('r', null, 'starting')] }, clock.now());
    await mon.settle();
    assert.equal(count(), n0 + 1, 'not running: no probe');
    await clock.advance(1000);
    mon.tick(services, { services: [status('r', 21)] }, clock.now());
    await mon.settle();
    assert.equal(count(), n0 + 2, 'new PID: probed at once, not after 60 s');
  });
});
