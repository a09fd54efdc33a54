/**
 * One-off notices not tied to a rule (budget, spend spike, runaway): they respect quiet hours like rule
 * alerts do — held for the morning digest unless critical — through AlertEngine.offer / Alerting.notify.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';
import { MONITOR_MIGRATION } from '../../agent/adapters/sqlite/migration-monitor.js';
import { SqliteAlertLog } from '../../agent/adapters/sqlite/alert-log.js';
import { WebhookNotifier } from '../../agent/adapters/notify/webhook.js';
import { Alerting } from '../../agent/app/alerting.js';
import { AlertEngine } from '../../agent/core/alerts/engine.js';
import { DEFAULT_ALERTS, type AlertsConfig } from '../../agent/core/alerts/config.js';
import type { DigestItem, Notification } from '../../agent/core/alerts/model.js';
import type { Severity } from '../../agent/core/events.js';

const DAY0 = Date.UTC(2025, 0, 6);
const at = (hhmm: string, day = 0) =>
  DAY0 + day * 86_400_000 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000;
const QUIET: Partial<AlertsConfig> = { quietHours: { from: '22:00', to: '07:00' }, digestAt: '07:30' };

function cfg(over: Partial<AlertsConfig> = {}): AlertsConfig {
  return { ...DEFAULT_ALERTS, ...QUIET, ...over };
}

/** Shaped like the usage module's budget notices: the title is the message up to its first colon. */
function budget(severity: Severity, when: number, id = `usage:budget:${when}`): Notification {
  const text = 'core daily: 8.00 of 10.00 USD spent (80 %, threshold 80 %)';
  return {
    id,
    kind: 'firing',
    severity,
    title: 'core daily',
    text,
    service: 'core',
    rule: null,
    alertKey: null,
    at: when,
  };
}

const tick = (e: AlertEngine, now: number) => e.step({ services: [], oneShots: [], now });

describe('AlertEngine.offer: one-off notices and quiet hours', () => {
  it('a warning during quiet hours is held and comes in the morning digest, at warning severity', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    assert.equal(e.offer(budget('warning', at('03:00', 1)), at('03:00', 1)), 'held');
    assert.deepEqual(e.state().held, [
      {
        alertKey: null,
        severity: 'warning',
        title: budget('warning', 0).text,
        at: at('03:00', 1),
        resolvedAt: null,
      },
    ]);
    for (const hhmm of ['03:01', '07:00', '07:29'])
      assert.equal(tick(e, at(hhmm, 1)).send.length, 0, `no digest at ${hhmm}`);
    const out = tick(e, at('07:30', 1));
    assert.equal(out.send.length, 1);
    const d = out.send[0]!;
    assert.equal(d.kind, 'digest');
    assert.match(
      d.title,
      /1 alert during quiet hours$/,
      'a one-off is not "still open": nothing resolves it',
    );
    assert.equal(
      d.text,
      '• 03:00 core daily: 8.00 of 10.00 USD spent (80 %, threshold 80 %)',
      'the title is not repeated',
    );
    assert.equal(d.severity, 'warning', 'channels that take warnings still get it');
    assert.equal(out.heldChanged, true);
    assert.deepEqual(e.state().held, []);
  });

  it('the digest line joins title and text when the text does not start with the title', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    const n: Notification = {
      ...budget('warning', at('23:00')),
      title: 'Spend spike',
      text: 'core this hour is 3.00 USD',
    };
    assert.equal(e.offer(n, at('23:00')), 'held');
    assert.equal(e.state().held[0]!.title, 'Spend spike: core this hour is 3.00 USD');
  });

  it('a critical notice goes out at once, even at night; outside quiet hours a warning does too', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    assert.equal(e.offer(budget('critical', at('03:00')), at('03:00')), 'send');
    assert.equal(e.offer(budget('warning', at('12:00')), at('12:00')), 'send');
    assert.equal(e.offer(budget('warning', at('07:00')), at('07:00')), 'send', 'quiet hours end at 07:00');
    assert.deepEqual(e.state().held, []);
    assert.equal(
      new AlertEngine(cfg({ quietHours: null }), 'UTC').offer(budget('warning', at('03:00')), at('03:00')),
      'send',
      'no quiet hours',
    );
  });

  it('with alerts disabled it is sent: rules are off, not the channels, and no digest would release it', () => {
    const e = new AlertEngine(cfg({ enabled: false }), 'UTC');
    assert.equal(e.offer(budget('warning', at('03:00')), at('03:00')), 'send');
    assert.deepEqual(e.state().held, []);
  });

  it('held one-offs survive a restart (engine rebuilt from state()) and reach the digest', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    e.offer(budget('warning', at('23:00')), at('23:00'));
    e.offer(budget('info', at('01:00', 1)), at('01:00', 1));
    const restored = new AlertEngine(
      cfg(),
      'UTC',
      JSON.parse(JSON.stringify(e.state())) as ReturnType<AlertEngine['state']>,
    );
    assert.equal(tick(restored, at('06:00', 1)).send.length, 0);
    const d = tick(restored, at('07:30', 1)).send[0];
    assert.equal(d?.kind, 'digest');
    assert.equal(d.items?.length, 2);
    assert.match(d.title, /2 alerts during quiet hours$/);
    assert.match(d.text, /^• 23:00 core daily: .*\n• 01:00 core daily: /);
  });

  it('a digest of only info notices stays info', () => {
    const e = new AlertEngine(cfg(), 'UTC');
    e.offer(budget('info', at('23:00')), at('23:00'));
    assert.equal(tick(e, at('07:30', 1)).send[0]?.severity, 'info');
  });
});

describe('Alerting.notify', () => {
  function setup(over: Partial<AlertsConfig> = {}) {
    const db = openDatabase(':memory:');
    MONITOR_MIGRATION.up(db);
    const log = new SqliteAlertLog(db);
    let held: DigestItem[] = [];
    const phone = new WebhookNotifier(
      {
        name: 'phone',
        type: 'json',
        url: null,
        token: null,
        chatId: null,
        apiUrl: null,
        minSeverity: 'warning',
      },
      async () => 'http://127.0.0.1:1/',
      'h',
    );
    const deps = {
      log,
      notifiers: () => [phone],
      loadHeld: () => held,
      saveHeld: (h: DigestItem[]) => (held = h),
    };
    return { log, deps, held: () => held, alerting: new Alerting(deps, cfg(over), 'UTC') };
  }

  it('during quiet hours a warning is recorded as held (no delivery) and its held list saved; after a restart the digest carries it', () => {
    const { log, deps, held, alerting } = setup();
    alerting.notify(budget('warning', at('03:00', 1), 'w'), at('03:00', 1));
    const rec = log.recent(10).find((r) => r.id === 'w')!;
    assert.equal(rec.status, 'held');
    assert.deepEqual(rec.deliveries, []);
    assert.equal(held().length, 1, 'saved for a restart');
    const again = new Alerting(deps, cfg(), 'UTC');
    again.tick({ services: [], oneShots: [], now: at('07:30', 1) });
    const digest = log.recent(10).find((r) => r.kind === 'digest')!;
    assert.match(digest.text, /03:00 core daily: 8.00 of 10.00 USD/);
    assert.deepEqual(
      digest.deliveries.map((x) => x.channel),
      ['phone'],
      'a warning-level channel gets the digest',
    );
    assert.equal(log.recent(10).find((r) => r.id === 'w')!.status, 'digested');
    assert.deepEqual(held(), []);
  });

  it('a critical notice, or any notice outside quiet hours, is queued at once', () => {
    const { log, held, alerting } = setup();
    alerting.notify(budget('critical', at('03:00'), 'c'), at('03:00'));
    alerting.notify(budget('warning', at('12:00'), 'w'), at('12:00'));
    for (const id of ['c', 'w'])
      assert.deepEqual(
        log
          .recent(10)
          .find((r) => r.id === id)!
          .deliveries.map((x) => [x.channel, x.status]),
        [['phone', 'pending']],
        id,
      );
    assert.deepEqual(held(), []);
  });
});
