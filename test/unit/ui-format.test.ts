/** Hash routes, the session key hand-over, and formatting for people. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHash, parseHash } from '../../renderer/src/store/route.js';
import { storageKeyStore, takeKeyFromHash } from '../../renderer/src/api/session-key.js';
import { duration, usd, whyItDied, bytes } from '../../renderer/src/format.js';
import type { VigilEvent } from '../../renderer/src/store/types.js';

const e = (over: Partial<VigilEvent>): VigilEvent => ({
  id: 1,
  key: 'k',
  at: 0,
  service: 'web',
  type: 'started',
  severity: 'info',
  message: '',
  ...over,
});

describe('routes, session key, formatting', () => {
  test('hash routes round-trip', () => {
    for (const r of [
      { view: 'overview' },
      { view: 'service', name: 'my svc/1' },
      { view: 'usage' },
      { view: 'settings' },
    ] as const) {
      assert.deepEqual(parseHash(formatHash(r)), r);
    }
    assert.deepEqual(parseHash('#/nope'), { view: 'overview' });
    assert.deepEqual(parseHash(''), { view: 'overview' });
  });

  test('the login redirect fragment hands over the key once', () => {
    assert.deepEqual(takeKeyFromHash('#key=1700000000000.n0nce.m_a-c~abcdefghijklmnopqrstu_-9'), {
      key: '1700000000000.n0nce.m_a-c~abcdefghijklmnopqrstu_-9',
      rest: '#/',
    });
    assert.deepEqual(takeKeyFromHash('#key=abcdefghijklmnopqrstu_-9'), { key: null, rest: '#/' });
    assert.deepEqual(takeKeyFromHash('#key=<script>'), { key: null, rest: '#/' });
    assert.deepEqual(takeKeyFromHash('#/usage'), { key: null, rest: '#/usage' });
    const m = new Map<string, string>();
    const ks = storageKeyStore({
      getItem: (k) => m.get(k) ?? null,
      setItem: (k, v) => void m.set(k, v),
      removeItem: (k) => void m.delete(k),
    });
    assert.equal(ks.get(), null);
    ks.set('abc');
    assert.equal(m.get('vigil.session'), 'abc');
    ks.clear();
    assert.equal(ks.get(), null);
    assert.equal(m.size, 0);
  });

  test('formatting for people', () => {
    assert.equal(duration(59_000), '59s');
    assert.equal(duration(3_723_000), '1h 2m');
    assert.equal(duration(90_061_000), '1d 1h');
    assert.equal(usd(0), '$0.00');
    assert.equal(usd(12_345_678), '$12.35');
    assert.equal(usd(4_200), '$0.00420', 'a real cost never shows as $0.00');
    assert.equal(bytes(1536), '1.5 KB');
    assert.match(whyItDied(e({ type: 'oom-killed' })), /out of memory/);
    assert.match(
      whyItDied(
        e({ type: 'crashed', exit: { code: null, signal: 'SIGKILL', result: 'signal', reason: 'killed' } }),
      ),
      /signal SIGKILL/,
    );
    assert.match(
      whyItDied(
        e({
          type: 'crashed',
          exit: { code: 3, signal: null, result: 'exit-code', reason: 'exited with code 3' },
        }),
      ),
      /^Exited with code 3\.$/,
    );
    assert.match(whyItDied(e({ type: 'start-limit-hit' })), /start limit/);
  });
});
