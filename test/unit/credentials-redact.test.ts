/** The leak guard: exact values become [redacted:<set>/<KEY>], and each value's first sighting is one secret-leaked event. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MIN_GUARDED_LENGTH,
  createRedactor,
  secretLeakedEvent,
  type LeakHit,
  type SecretRef,
} from '../../agent/core/credentials/redact.js';
import { LeakGuard } from '../../agent/app/leak-guard.js';
import type { NewEvent } from '../../agent/core/events.js';
import { FakeClock } from '../helpers/fake-clock.js';

const ref = (set: string, key: string, value: string, version = 1, current = true): SecretRef => ({
  set,
  key,
  value,
  version,
  current,
});

describe('redactor', () => {
  const secrets = [
    ref('anthropic', 'API_KEY', 'sk-ant-AAAA1111'),
    ref('anthropic', 'API_KEY_LONG', 'sk-ant-AAAA1111-and-more'),
    ref('db', 'PASSWORD', 'p@ss "word"\\x'),
    ref('short', 'PIN', '1234'),
    ref('old', 'TOKEN', 'tok-previous-999', 5, false),
  ];
  const redact = createRedactor(secrets);

  it('replaces every exact value, the longest first', () => {
    assert.equal(
      redact('key=sk-ant-AAAA1111 and sk-ant-AAAA1111-and-more!'),
      'key=[redacted:anthropic/API_KEY] and [redacted:anthropic/API_KEY_LONG]!',
    );
  });

  it('catches the JSON-escaped and URL-encoded forms', () => {
    assert.equal(redact(JSON.stringify({ pw: 'p@ss "word"\\x' })), '{"pw":"[redacted:db/PASSWORD]"}');
    assert.equal(
      redact(`GET /x?pw=${encodeURIComponent('p@ss "word"\\x')}`),
      'GET /x?pw=[redacted:db/PASSWORD]',
    );
  });

  it(`leaves values shorter than ${MIN_GUARDED_LENGTH} characters alone (they would shred ordinary text)`, () => {
    assert.equal(redact('pin 1234 port 1234'), 'pin 1234 port 1234');
  });

  it('reports each hit with set, key, version and whether it is current; never the value', () => {
    const hits: LeakHit[] = [];
    redact('tok-previous-999 sk-ant-AAAA1111', (h) => hits.push(h));
    assert.deepEqual(hits, [
      { set: 'old', key: 'TOKEN', version: 5, current: false },
      { set: 'anthropic', key: 'API_KEY', version: 1, current: true },
    ]);
    assert.ok(!JSON.stringify(hits).includes('sk-ant'));
  });

  it('regex metacharacters in values are matched literally', () => {
    const r = createRedactor([ref('x', 'K', '.*+?^${}()|[]\\/-')]);
    assert.equal(r('a.*+?^${}()|[]\\/-b'), 'a[redacted:x/K]b');
    assert.equal(r('aaaaaaaaaaaaaaaaaaaa'), 'aaaaaaaaaaaaaaaaaaaa');
  });

  it('with no secrets it is the identity', () => {
    assert.equal(createRedactor([])('anything'), 'anything');
  });

  it('the secret-leaked event recommends rotating a current key and says an old one is already replaced', () => {
    const e = secretLeakedEvent(
      { set: 'anthropic', key: 'API_KEY', version: 7, current: true },
      { service: 'web', source: 'vigil logs', at: 1 },
    );
    assert.equal(e.type, 'secret-leaked');
    assert.equal(e.severity, 'critical');
    assert.equal(e.key, 'secret-leaked:anthropic/API_KEY:7');
    assert.match(e.message, /vigil secrets rotate anthropic API_KEY/);
    const old = secretLeakedEvent(
      { set: 'a', key: 'K', version: 1, current: false },
      { service: null, source: 's', at: 1 },
    );
    assert.equal(old.severity, 'warning');
    assert.match(old.message, /already replaced/);
  });
});

describe('LeakGuard', () => {
  it('redacts lines and records one event per value, however often it is seen', () => {
    const recorded: NewEvent[] = [];
    let secrets: SecretRef[] = [ref('core', 'TOKEN', 'canary-token-value')];
    const guard = new LeakGuard({
      secrets: () => secrets,
      clock: new FakeClock(),
      record: (e) => recorded.push(...e),
    });
    assert.deepEqual(
      guard.redactLines('web', ['a canary-token-value b', 'again canary-token-value'], 'test'),
      ['a [redacted:core/TOKEN] b', 'again [redacted:core/TOKEN]'],
    );
    guard.redactLines('web', ['canary-token-value'], 'test');
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]!.service, 'web');
    // A rotated value is a new version: its first sighting is a new event.
    secrets = [ref('core', 'TOKEN', 'rotated-token-value', 2)];
    guard.redactLines('web', ['rotated-token-value'], 'test');
    assert.equal(recorded.length, 2);
    assert.ok(!JSON.stringify(recorded).includes('token-value'), 'events never contain the value');
  });

  it('a failing recorder does not stop the log from being shown (and the sighting is retried)', () => {
    let fail = true;
    const recorded: NewEvent[] = [];
    const guard = new LeakGuard({
      secrets: () => [ref('core', 'TOKEN', 'canary-token-value')],
      clock: new FakeClock(),
      record: (e) => {
        if (fail) throw new Error('db locked');
        recorded.push(...e);
      },
    });
    assert.deepEqual(guard.redactLines(null, ['canary-token-value'], 't'), ['[redacted:core/TOKEN]']);
    fail = false;
    guard.redactLines(null, ['canary-token-value'], 't');
    assert.equal(recorded.length, 1);
  });

  it('a health probe result: the error (the last line of an exec probe), /health status and checks are redacted, in any encoding', () => {
    const recorded: NewEvent[] = [];
    const guard = new LeakGuard({
      secrets: () => [ref('core', 'TOKEN', 'canary-token-value')],
      clock: new FakeClock(),
      record: (e) => recorded.push(...e),
    });
    const b64 = Buffer.from('canary-token-value').toString('base64');
    const r = guard.redactProbe({
      health: 'down',
      httpStatus: 503,
      latencyMs: 3,
      reported: 'CANARY-TOKEN-VALUE',
      checks: {
        db: { error: `auth ${b64} refused`, list: ['canary-token-valu'] },
        'canary-token-value': 'ok',
      },
      error: 'probe.sh exited with code 1: bad key canary%2Dtoken%2Dvalue',
      at: 1,
    });
    assert.equal(r.error, 'probe.sh exited with code 1: bad key [redacted:core/TOKEN]');
    assert.equal(r.reported, '[redacted:core/TOKEN]');
    assert.deepEqual(r.checks, {
      db: { error: 'auth [redacted:core/TOKEN] refused', list: ['[redacted:core/TOKEN]'] },
      '[redacted:core/TOKEN]': 'ok',
    });
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]!.data?.source, 'health probe');
  });
});
