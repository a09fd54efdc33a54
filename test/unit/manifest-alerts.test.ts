import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ALERTS, webhookSecretKey, withoutSecrets } from '../../agent/core/alerts/config.js';
import { parse, problems, yaml } from '../helpers/manifest.js';

const svc = ['services:', '  w:', '    command: [x]'];

describe('manifest: health.stableSec', () => {
  it('is optional (the agent defaults to 10 s) and accepts 0…3600', () => {
    const a = parse(yaml(...svc, '    health: { url: "http://x/h" }')).manifest.services[0]!;
    assert.equal(a.health?.stableSec, undefined);
    const b = parse(yaml(...svc, '    health: { url: "http://x/h", stableSec: 30 }')).manifest.services[0]!;
    assert.deepEqual(b.health, {
      probe: { kind: 'http', url: 'http://x/h' },
      intervalSec: 10,
      timeoutSec: 2,
      stableSec: 30,
    });
    assert.deepEqual(problems(yaml(...svc, '    health: { url: "http://x/h", stableSec: -1 }')), [
      [4, 'services.w.health.stableSec', 'must be >= 0'],
    ]);
    assert.deepEqual(problems(yaml(...svc, '    health: { url: "http://x/h", stableSec: "soon" }')), [
      [4, 'services.w.health.stableSec', 'must be a number, not the string "soon"'],
    ]);
  });
});

describe('manifest: alerts', () => {
  it('defaults when absent or empty', () => {
    assert.deepEqual(parse(yaml(...svc)).manifest.alerts, DEFAULT_ALERTS);
    assert.deepEqual(parse(yaml(...svc, 'alerts:')).manifest.alerts, DEFAULT_ALERTS);
  });

  it('reads every key', () => {
    const { manifest, warnings } = parse(
      yaml(
        ...svc,
        'alerts:',
        '  desktop: false',
        '  cooldownSec: 300',
        '  downForSec: 30',
        '  degradedForSec: 600',
        '  quietHours: { from: "22:00", to: "07:00" }',
        '  digestAt: "07:30"',
        '  timezone: Europe/Berlin',
        '  credentials: ops-alerts',
        '  retry: { maxAttempts: 4, backoffSec: 10 }',
        '  webhooks:',
        '    ops: { type: slack }',
        '    phone: { type: telegram, chatId: -1001234, minSeverity: critical }',
        '    hook: { type: json, url: "https://example.com/hook" }',
      ),
    );
    const a = manifest.alerts!;
    assert.equal(a.desktop, false);
    assert.deepEqual([a.cooldownSec, a.downForSec, a.degradedForSec], [300, 30, 600]);
    assert.deepEqual(a.quietHours, { from: '22:00', to: '07:00' });
    assert.deepEqual([a.digestAt, a.timezone, a.credentials], ['07:30', 'Europe/Berlin', 'ops-alerts']);
    assert.deepEqual(a.retry, { maxAttempts: 4, backoffSec: 10 });
    assert.deepEqual(a.webhooks, [
      { name: 'ops', type: 'slack', url: null, token: null, chatId: null, apiUrl: null, minSeverity: 'info' },
      {
        name: 'phone',
        type: 'telegram',
        url: null,
        token: null,
        chatId: '-1001234',
        apiUrl: null,
        minSeverity: 'critical',
      },
      {
        name: 'hook',
        type: 'json',
        url: 'https://example.com/hook',
        token: null,
        chatId: null,
        apiUrl: null,
        minSeverity: 'info',
      },
    ]);
    assert.deepEqual(warnings, [], 'secrets come from the credential store: no warning');
  });

  it('warns about secrets written inline (naming the credential key), and keeps them out of the stored config', () => {
    const { manifest, warnings } = parse(
      yaml(
        ...svc,
        'alerts:',
        '  webhooks:',
        '    ops: { type: slack, url: "https://hooks.slack.com/services/T0/B0/XXXX" }',
        '    my-phone: { type: telegram, chatId: "42", token: "123:ABC" }',
        '    plain: { type: json, url: "https://example.com/hook" }',
      ),
    );
    assert.deepEqual(
      warnings.map((w) => [w.line, w.path]),
      [
        [6, 'alerts.webhooks.ops.url'],
        [7, 'alerts.webhooks.my-phone.token'],
      ],
    );
    assert.match(warnings[1]!.message, /credential store \(set "alerts", key MY_PHONE_TOKEN/);
    const stored = withoutSecrets(manifest.alerts!);
    assert.ok(!JSON.stringify(stored).includes('XXXX') && !JSON.stringify(stored).includes('123:ABC'));
    assert.deepEqual(stored.inline, {
      ops: { url: true, token: false },
      'my-phone': { url: false, token: true },
      plain: { url: true, token: false },
    });
    assert.equal(webhookSecretKey('my-phone', 'url'), 'MY_PHONE_URL');
  });

  it('rejects unknown keys, bad times, zones and webhook shapes, with lines', () => {
    assert.deepEqual(
      problems(
        yaml(
          ...svc,
          'alerts:',
          '  quietHours: { from: "25:00", to: "7" }',
          '  timezone: Mars/Olympus',
          '  cooldown: 5',
          '  webhooks:',
          '    ops: { type: teams, url: "https://x" }',
          '    tg: { type: telegram, url: "https://x" }',
          '    js: { type: json, chatId: 4 }',
          '    Bad: { type: json }',
        ),
      ),
      [
        [5, 'alerts.quietHours.from', 'must be a local time HH:MM (24 h), e.g. "22:00"'],
        [5, 'alerts.quietHours.to', 'must be a local time HH:MM (24 h), e.g. "22:00"'],
        [6, 'alerts.timezone', 'must be an IANA time zone such as Europe/Berlin'],
        [
          7,
          'alerts.cooldown',
          'unknown key; the metric alert rules are errorRate, latencyP95, memory, costPerHour, circuitBreaker, tokensPerRequest',
        ],
        [9, 'alerts.webhooks.ops.type', 'must be json, slack or telegram'],
        [10, 'alerts.webhooks.tg.chatId', 'is required for a telegram webhook'],
        [10, 'alerts.webhooks.tg.url', 'telegram webhooks take token and chatId (and apiUrl), not url'],
        [11, 'alerts.webhooks.js.chatId', 'only telegram webhooks take chatId'],
        [12, 'alerts.webhooks.Bad', 'must be a webhook name ([a-z0-9][a-z0-9_-]*)'],
      ],
    );
    assert.deepEqual(problems(yaml(...svc, 'alerts: [1]')), [[4, 'alerts', 'must be a map, not a list']]);
  });
});
