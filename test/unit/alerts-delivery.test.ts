import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';
import { MONITOR_MIGRATION } from '../../agent/adapters/sqlite/migration-monitor.js';
import { SqliteAlertLog } from '../../agent/adapters/sqlite/alert-log.js';
import { WebhookNotifier } from '../../agent/adapters/notify/webhook.js';
import { DesktopNotifier } from '../../agent/adapters/notify/desktop.js';
import { Alerting, backoffMs } from '../../agent/app/alerting.js';
import { DEFAULT_ALERTS, type AlertsConfig, type WebhookConfig } from '../../agent/core/alerts/config.js';
import type { DigestItem, Notification } from '../../agent/core/alerts/model.js';
import type { ProcessRunner, RunOptions, RunResult } from '../../agent/ports/process-runner.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

const T0 = Date.UTC(2025, 0, 6, 12);

function note(over: Partial<Notification> = {}): Notification {
  return {
    id: `firing:service-down:api:${T0}`,
    kind: 'firing',
    severity: 'critical',
    title: 'api is down',
    text: 'api has been down for 15 s (probe: HTTP 503) <b>&',
    service: 'api',
    rule: 'service-down',
    alertKey: 'service-down:api',
    at: T0,
    ...over,
  };
}

function hook(over: Partial<WebhookConfig>): WebhookConfig {
  return {
    name: 'ops',
    type: 'json',
    url: null,
    token: null,
    chatId: null,
    apiUrl: null,
    minSeverity: 'info',
    ...over,
  };
}

function memoryLog() {
  const db = openDatabase(':memory:');
  MONITOR_MIGRATION.up(db);
  return new SqliteAlertLog(db);
}

describe('webhook payloads reach a local receiver', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture();
  });
  after(async () => {
    await fx.close();
  });

  it('generic JSON: every field, ISO times', async () => {
    fx.set('/json', { status: 204, body: '' });
    await new WebhookNotifier(hook({ type: 'json' }), async () => fx.url('/json'), 'box1').send(note());
    const r = fx.received.at(-1)!;
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['content-type'], 'application/json');
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.deepEqual(body, {
      source: 'vigil',
      host: 'box1',
      id: note().id,
      kind: 'firing',
      severity: 'critical',
      title: 'api is down',
      text: 'api has been down for 15 s (probe: HTTP 503) <b>&',
      service: 'api',
      rule: 'service-down',
      alert: 'service-down:api',
      at: new Date(T0).toISOString(),
    });
  });

  it('Slack incoming-webhook shape: text fallback and mrkdwn blocks, escaped', async () => {
    fx.set('/slack', { status: 200, body: 'ok' });
    await new WebhookNotifier(
      hook({ type: 'slack', name: 'slack' }),
      async () => fx.url('/slack'),
      'box1',
    ).send(note());
    const body = JSON.parse(fx.received.at(-1)!.body) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string } }[];
    };
    assert.match(body.text, /^🔴 api is down: api has been down/);
    assert.equal(body.blocks[0]!.type, 'section');
    assert.equal(body.blocks[0]!.text!.type, 'mrkdwn');
    assert.match(body.blocks[0]!.text!.text, /^\*🔴 api is down\*\n.*&lt;b&gt;&amp;$/);
    assert.equal(body.blocks[1]!.type, 'context');
  });

  it('Telegram Bot API sendMessage: bot token in the path, chat_id, HTML parse mode', async () => {
    fx.set('/bot123:SECRET/sendMessage', { status: 200, body: { ok: true, result: { message_id: 1 } } });
    const w = hook({ type: 'telegram', name: 'phone', chatId: '-100200', apiUrl: fx.url('') });
    await new WebhookNotifier(
      w,
      async (_w, what) => (what === 'token' ? '123:SECRET' : undefined),
      'box1',
    ).send(note());
    const r = fx.received.at(-1)!;
    assert.equal(r.path, '/bot123:SECRET/sendMessage');
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(body.chat_id, '-100200');
    assert.equal(body.parse_mode, 'HTML');
    assert.equal(body.disable_web_page_preview, true);
    assert.match(String(body.text), /^🔴 <b>api is down<\/b>\n.*&lt;b&gt;&amp;\n<i>box1 · critical<\/i>$/);
  });

  it('Telegram answering ok:false, HTTP errors and missing secrets fail with the channel name, never the secret', async () => {
    fx.set('/botT0K3N/sendMessage', { status: 200, body: { ok: false } });
    const tg = new WebhookNotifier(
      hook({ type: 'telegram', name: 'phone', chatId: '1', apiUrl: fx.url('') }),
      async () => 'T0K3N',
      'h',
    );
    await assert.rejects(
      tg.send(note()),
      (e: Error & { retryable?: boolean }) =>
        /phone: Telegram did not confirm/.test(e.message) && !e.message.includes('T0K3N'),
    );
    fx.set('/gone', { status: 404, body: 'no_service' });
    const gone = new WebhookNotifier(hook({ name: 'ops' }), async () => fx.url('/gone?token=abc'), 'h');
    await assert.rejects(
      gone.send(note()),
      (e: Error & { retryable?: boolean }) => e.message === 'webhook ops: HTTP 404' && e.retryable === false,
    );
    fx.set('/busy', { status: 503, body: '' });
    const busy = new WebhookNotifier(hook({ name: 'ops' }), async () => fx.url('/busy'), 'h');
    await assert.rejects(busy.send(note()), (e: Error & { retryable?: boolean }) => e.retryable === true);
    const none = new WebhookNotifier(hook({ name: 'ops' }), async () => undefined, 'h');
    await assert.rejects(
      none.send(note()),
      (e: Error & { retryable?: boolean }) => /no URL/.test(e.message) && e.retryable === false,
    );
  });
});

describe('Alerting: queue, retries with backoff, recorded deliveries', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture();
  });
  after(async () => {
    await fx.close();
  });

  function setup(config: Partial<AlertsConfig>, hooks: WebhookConfig[], url: (w: WebhookConfig) => string) {
    const log = memoryLog();
    let held: DigestItem[] = [];
    const notifiers = hooks.map((w) => new WebhookNotifier(w, async () => url(w), 'box'));
    const cfg: AlertsConfig = { ...DEFAULT_ALERTS, downForSec: 0, ...config };
    const alerting = new Alerting(
      { log, notifiers: () => notifiers, loadHeld: () => held, saveHeld: (h) => (held = h) },
      cfg,
      'UTC',
    );
    return { log, alerting };
  }

  it('a failing webhook is retried with exponential backoff; every attempt is recorded; then it is sent', async () => {
    let calls = 0;
    fx.set('/flaky', () =>
      ++calls <= 2 ? { status: 502, body: 'bad gateway' } : { status: 200, body: 'ok' },
    );
    fx.set('/fine', { status: 200, body: 'ok' });
    const { log, alerting } = setup(
      { retry: { maxAttempts: 5, backoffSec: 2 } },
      [hook({ name: 'flaky' }), hook({ name: 'fine' })],
      (w) => fx.url(`/${w.name}`),
    );
    const clock = new FakeClock(T0);
    alerting.tick({
      services: [
        {
          name: 'api',
          state: 'running',
          health: 'down',
          healthSince: T0,
          healthReason: null,
          drifted: false,
        },
      ],
      oneShots: [],
      now: clock.now(),
    });
    await alerting.deliverDue(clock.now());
    let rec = log.recent(10)[0]!;
    assert.equal(rec.title, 'api is down');
    const byChannel = () => Object.fromEntries(log.recent(10)[0]!.deliveries.map((d) => [d.channel, d]));
    assert.equal(byChannel().fine!.status, 'sent');
    assert.equal(byChannel().flaky!.status, 'pending');
    assert.equal(byChannel().flaky!.attempts, 1);
    assert.equal(byChannel().flaky!.lastError, 'webhook flaky: HTTP 502');
    assert.equal(byChannel().flaky!.nextAt, T0 + 2000, 'first retry after backoffSec');
    await clock.advance(1999);
    await alerting.deliverDue(clock.now());
    assert.equal(calls, 1, 'not due yet');
    await clock.advance(1);
    await alerting.deliverDue(clock.now());
    assert.equal(byChannel().flaky!.attempts, 2);
    assert.equal(byChannel().flaky!.nextAt, T0 + 2000 + 6000, 'then 3× longer');
    await clock.advance(6000);
    await alerting.deliverDue(clock.now());
    rec = log.recent(10)[0]!;
    assert.equal(byChannel().flaky!.status, 'sent');
    assert.equal(byChannel().flaky!.attempts, 3);
    assert.equal(rec.status, 'done');
    assert.equal(fx.received.filter((r) => r.path === '/fine').length, 1, 'the good channel got it once');
  });

  it('gives up after maxAttempts (and at once on a permanent error), and says so', async () => {
    fx.set('/down', { status: 500, body: '' });
    fx.set('/missing', { status: 404, body: '' });
    const { log, alerting } = setup(
      { retry: { maxAttempts: 3, backoffSec: 1 } },
      [hook({ name: 'down' }), hook({ name: 'missing' })],
      (w) => fx.url(`/${w.name}`),
    );
    const clock = new FakeClock(T0);
    alerting.enqueue(note(), clock.now());
    for (let i = 0; i < 10; i++) {
      await alerting.deliverDue(clock.now());
      await clock.advance(10_000);
    }
    const rec = log.recent(1)[0]!;
    const d = Object.fromEntries(rec.deliveries.map((x) => [x.channel, x]));
    assert.deepEqual([d.down!.status, d.down!.attempts], ['failed', 3]);
    assert.deepEqual([d.missing!.status, d.missing!.attempts], ['failed', 1]);
    assert.equal(rec.status, 'failed');
  });

  it('backoff grows ×3 and is capped at an hour', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffMs(n, 5)),
      [5000, 15000, 45000, 135000],
    );
    assert.equal(backoffMs(20, 5), 3600_000);
  });

  it('channels get only the severities they take; a notification with no channel is recorded as such', () => {
    const log = memoryLog();
    const warnOnly = new WebhookNotifier(
      hook({ name: 'pager', minSeverity: 'critical' }),
      async () => 'http://127.0.0.1:1/',
      'h',
    );
    const alerting = new Alerting(
      { log, notifiers: () => [warnOnly], loadHeld: () => [], saveHeld: () => undefined },
      DEFAULT_ALERTS,
      'UTC',
    );
    alerting.enqueue(note({ id: 'a', severity: 'warning' }), T0);
    alerting.enqueue(note({ id: 'b', severity: 'critical' }), T0);
    const recs = Object.fromEntries(log.recent(10).map((r) => [r.id, r]));
    assert.equal(recs.a!.status, 'no-channel');
    assert.deepEqual(
      recs.b!.deliveries.map((x) => x.channel),
      ['pager'],
    );
  });
});

describe('desktop notifier', () => {
  class Recorder implements ProcessRunner {
    calls: { command: string; args: readonly string[] }[] = [];
    constructor(private readonly fail: Error | null = null) {}
    async run(command: string, args: readonly string[], _o?: RunOptions): Promise<RunResult> {
      this.calls.push({ command, args });
      if (this.fail) throw this.fail;
      return {
        command,
        args,
        exitCode: 0,
        signal: null,
        stdout: '',
        stderr: '',
        durationMs: 1,
        timedOut: false,
      };
    }
  }

  it('notify-send on Linux, osascript with argv (no quoting) on macOS', async () => {
    const r = new Recorder();
    await new DesktopNotifier(r, 'linux').send(note({ title: 'a "quoted" $title' }));
    assert.deepEqual(r.calls[0], {
      command: 'notify-send',
      args: ['--app-name=Vigil', '--urgency=critical', '--', 'a "quoted" $title', note().text],
    });
    await new DesktopNotifier(r, 'darwin').send(note({ severity: 'info' }));
    const mac = r.calls[1]!;
    assert.equal(mac.command, 'osascript');
    assert.deepEqual(mac.args.slice(-2), ['api is down', note().text]);
    assert.ok(mac.args.includes('on run argv'));
  });

  it('a missing notify-send is a permanent failure', async () => {
    const r = new Recorder(new Error('could not run notify-send: spawn notify-send ENOENT'));
    await assert.rejects(
      new DesktopNotifier(r, 'linux').send(note()),
      (e: Error & { retryable?: boolean }) => e.retryable === false && /not installed/.test(e.message),
    );
  });
});
