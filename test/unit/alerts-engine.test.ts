import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEngine, type AlertServiceView } from '../../agent/core/alerts/engine.js';
import { DEFAULT_ALERTS, type AlertsConfig } from '../../agent/core/alerts/config.js';
import { inWindow, lastOccurrence, msOfDay } from '../../agent/core/alerts/clock-time.js';
import type { Health, ServiceState } from '../../agent/core/status.js';

const DAY0 = Date.UTC(2025, 0, 6); // a Monday, 00:00 UTC
const at = (hhmm: string, day = 0) =>
  DAY0 + day * 86_400_000 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000;
const S = 1000;

function cfg(over: Partial<AlertsConfig> = {}): AlertsConfig {
  return { ...DEFAULT_ALERTS, cooldownSec: 600, downForSec: 10, degradedForSec: 60, ...over };
}

function svc(
  name: string,
  health: Health,
  healthSince: number,
  state: ServiceState = 'running',
  drifted = false,
): AlertServiceView {
  return {
    name,
    state,
    health,
    healthSince,
    healthReason: health === 'down' ? 'probe: HTTP 503' : null,
    drifted,
  };
}

describe('alert rules', () => {
  it('service down fires after downForSec, once (dedupe), with a recovery notice', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    const t = at('12:00');
    let out = e.step({ services: [svc('api', 'down', t)], oneShots: [], now: t + 5 * S });
    assert.equal(out.send.length, 0, 'not down long enough');
    out = e.step({ services: [svc('api', 'down', t)], oneShots: [], now: t + 10 * S });
    assert.equal(out.send.length, 1);
    assert.equal(out.send[0]!.title, 'api is down');
    assert.equal(out.send[0]!.severity, 'critical');
    assert.match(out.send[0]!.text, /down for 10 s \(probe: HTTP 503\)/);
    assert.deepEqual(
      out.events.map((x) => x.type),
      ['alert-firing'],
    );
    for (let i = 11; i < 100; i++) {
      out = e.step({ services: [svc('api', 'down', t)], oneShots: [], now: t + i * S });
      assert.equal(out.send.length, 0, 'still down: no repeat');
      assert.equal(out.events.length, 0);
    }
    out = e.step({ services: [svc('api', 'healthy', t + 100 * S)], oneShots: [], now: t + 100 * S });
    assert.equal(out.send.length, 1);
    assert.equal(out.send[0]!.kind, 'resolved');
    assert.equal(out.send[0]!.title, 'api recovered');
    assert.match(out.send[0]!.text, /api was down for 1 min 30 s/);
    assert.deepEqual(
      out.events.map((x) => x.type),
      ['alert-resolved'],
    );
    assert.equal(e.firing().length, 0);
  });

  it('a deliberately stopped service is not "down"; crash loop, degraded and drift have their own rules', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    const t = at('12:00');
    const out = e.step({
      services: [
        svc('stopped', 'down', t - 3600 * S, 'stopped'),
        svc('loop', 'down', t - 3600 * S, 'crashloop'),
        svc('slow', 'degraded', t - 61 * S),
        svc('young', 'degraded', t - 59 * S),
        svc('edited', 'healthy', t - 3600 * S, 'running', true),
      ],
      oneShots: [],
      now: t,
    });
    assert.deepEqual(out.send.map((n) => [n.rule, n.service, n.severity]).sort(), [
      ['crash-loop', 'loop', 'critical'],
      ['health-degraded', 'slow', 'warning'],
      ['unit-drift', 'edited', 'warning'],
    ]);
  });

  it('cooldown: a flapping alert is not re-sent within cooldownSec, but is when it still fires after it', () => {
    const e = new AlertEngine(cfg({ cooldownSec: 300, downForSec: 0 }), 'UTC');
    const t = at('12:00');
    const down = (now: number) => e.step({ services: [svc('api', 'down', now)], oneShots: [], now });
    const up = (now: number) => e.step({ services: [svc('api', 'healthy', now)], oneShots: [], now });
    assert.equal(down(t).send.length, 1);
    assert.equal(up(t + 10 * S).send.length, 1, 'recovery notice');
    const again = down(t + 20 * S);
    assert.equal(again.send.length, 0, 'within cooldown: held back');
    assert.equal(again.events.length, 1, 'the alert event is still recorded');
    assert.equal(e.firing()[0]!.pending, true);
    const quiet = up(t + 30 * S);
    assert.equal(quiet.send.length, 0, 'its firing was never sent, so no recovery either');
    down(t + 40 * S);
    for (let s = 41; s < 300; s += 10) assert.equal(down(t + s * S).send.length, 0, `${s} s`);
    const late = down(t + 300 * S);
    assert.equal(late.send.length, 1, 'still firing when the cooldown ended: sent now');
    assert.equal(late.send[0]!.kind, 'firing');
    assert.equal(up(t + 310 * S).send[0]!.kind, 'resolved');
  });

  it('quiet hours hold non-critical notices for the morning digest; critical ones go out at once', () => {
    const e = new AlertEngine(
      cfg({
        quietHours: { from: '22:00', to: '07:00' },
        digestAt: '07:30',
        downForSec: 0,
        degradedForSec: 0,
      }),
      'UTC',
    );
    const n1 = at('23:00');
    let out = e.step({
      services: [svc('slow', 'degraded', n1), svc('api', 'down', n1)],
      oneShots: [],
      now: n1,
    });
    assert.deepEqual(
      out.send.map((n) => n.title),
      ['api is down'],
      'critical: at once, even at night',
    );
    assert.deepEqual(
      out.held.map((n) => n.title),
      ['slow is degraded'],
    );
    assert.equal(out.heldChanged, true);
    out = e.step({
      services: [svc('slow', 'healthy', n1), svc('api', 'down', n1)],
      oneShots: [],
      now: at('02:00', 1),
    });
    assert.equal(out.send.length, 0, 'recovery of a held alert goes into the digest too');
    out = e.step({
      services: [
        svc('slow', 'healthy', n1),
        svc('api', 'healthy', n1),
        svc('edit', 'healthy', n1, 'running', true),
      ],
      oneShots: [],
      now: at('03:00', 1),
    });
    assert.deepEqual(
      out.send.map((n) => n.title),
      ['api recovered'],
      'recovery of a critical alert at once',
    );
    assert.deepEqual(
      out.held.map((n) => n.rule),
      ['unit-drift'],
    );
    for (const hhmm of ['06:59', '07:00', '07:29']) {
      out = e.step({
        services: [svc('edit', 'healthy', n1, 'running', true)],
        oneShots: [],
        now: at(hhmm, 1),
      });
      assert.equal(out.send.length, 0, `no digest at ${hhmm}`);
    }
    out = e.step({
      services: [svc('edit', 'healthy', n1, 'running', true)],
      oneShots: [],
      now: at('07:30', 1),
    });
    assert.equal(out.send.length, 1);
    const d = out.send[0]!;
    assert.equal(d.kind, 'digest');
    assert.equal(d.items?.length, 2);
    assert.match(d.title, /2 alerts during quiet hours, 1 still open/);
    assert.match(d.text, /23:00 slow is degraded \(recovered 02:00\)/);
    assert.match(d.text, /03:00 edit: unit file edited outside Vigil/);
    out = e.step({
      services: [svc('edit', 'healthy', n1, 'running', true)],
      oneShots: [],
      now: at('07:31', 1),
    });
    assert.equal(out.send.length, 0, 'one digest');
    assert.deepEqual(e.state().held, []);
  });

  it('the digest defaults to the end of the quiet hours, and survives a restart of the engine', () => {
    const config = cfg({ quietHours: { from: '22:00', to: '07:00' }, degradedForSec: 0 });
    const e = new AlertEngine(config, 'UTC');
    e.step({ services: [svc('slow', 'degraded', at('23:00'))], oneShots: [], now: at('23:00') });
    const restored = new AlertEngine(config, 'UTC', e.state());
    assert.equal(
      restored.step({ services: [svc('slow', 'degraded', at('23:00'))], oneShots: [], now: at('06:59', 1) })
        .send.length,
      0,
    );
    const out = restored.step({
      services: [svc('slow', 'degraded', at('23:00'))],
      oneShots: [],
      now: at('07:00', 1),
    });
    assert.equal(out.send[0]?.kind, 'digest');
    assert.match(out.send[0]!.title, /1 alert during quiet hours, 1 still open/);
  });

  it('agent restarted is a one-shot warning, notified once, without recovery', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    const t = at('12:00');
    const shot = { rule: 'agent-restarted' as const, at: t, message: 'The Vigil agent restarted' };
    let out = e.step({ services: [], oneShots: [shot], now: t });
    assert.deepEqual(
      out.send.map((n) => [n.rule, n.severity, n.title]),
      [['agent-restarted', 'warning', 'Vigil agent restarted after an unclean stop']],
    );
    out = e.step({ services: [], oneShots: [shot], now: t + S });
    assert.equal(out.send.length, 0, 'the same happening twice is one alert');
    assert.equal(e.firing().length, 0);
  });

  it('disabled alerts send nothing and resolve silently', () => {
    const e = new AlertEngine(cfg({ downForSec: 0 }), 'UTC');
    const t = at('12:00');
    assert.equal(e.step({ services: [svc('api', 'down', t)], oneShots: [], now: t }).send.length, 1);
    e.setConfig(cfg({ enabled: false }));
    const out = e.step({ services: [svc('api', 'down', t)], oneShots: [], now: t + S });
    assert.equal(out.send.length, 0);
    assert.equal(e.firing().length, 0);
  });
});

describe('local time of day', () => {
  it('reads the time in a zone, windows across midnight, the last occurrence of a time', () => {
    assert.equal(msOfDay(at('13:45'), 'UTC'), (13 * 60 + 45) * 60_000);
    assert.equal(msOfDay(Date.UTC(2025, 6, 1, 12, 0), 'Europe/Berlin'), 14 * 3600_000, 'CEST is UTC+2');
    assert.equal(inWindow(at('23:00'), '22:00', '07:00', 'UTC'), true);
    assert.equal(inWindow(at('06:59'), '22:00', '07:00', 'UTC'), true);
    assert.equal(inWindow(at('07:00'), '22:00', '07:00', 'UTC'), false);
    assert.equal(inWindow(at('12:00'), '09:00', '17:00', 'UTC'), true);
    assert.equal(inWindow(at('12:00'), '09:00', '09:00', 'UTC'), false);
    assert.equal(lastOccurrence(at('08:00', 1), '07:30', 'UTC'), at('07:30', 1));
    assert.equal(lastOccurrence(at('07:00', 1), '07:30', 'UTC'), at('07:30', 0));
    assert.equal(
      inWindow(Date.UTC(2025, 6, 1, 20, 30), '22:00', '07:00', 'Europe/Berlin'),
      true,
      '22:30 in Berlin',
    );
  });
});
