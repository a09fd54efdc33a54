/** Browser sessions: one-time codes, signed requests (window, nonces, restarts), proofs, expiry, sign-out (agent/api/session.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  LOGIN_CODE_TTL_MS,
  SessionAuthority,
  memorySessions,
  sign,
  type SignedRequest,
} from '../../agent/api/session.js';
import { PROOF_LABEL } from '../../agent/api/contract.js';
import { opener, redirectPage } from '../../agent/cli/commands/open.js';

const TOKEN = 'f'.repeat(64);

let store = memorySessions();
function authority(start = T0) {
  const clock = { now: start };
  store = memorySessions();
  return { clock, auth: new SessionAuthority(TOKEN, () => clock.now, 10 * 60_000, store) };
}

const T0 = 1_700_000_000_000;
let n = 0;
/** A signed request as the page makes it (renderer/src/api/signing.ts). */
function signed(
  s: { ticket: string; key: string },
  at: number,
  over: Partial<SignedRequest> = {},
  body = '',
): SignedRequest {
  const nonce = `nonce-${String(++n).padStart(12, '0')}`;
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  const url = over.url ?? '/api/status';
  const method = over.method ?? 'GET';
  return {
    method,
    url,
    ticket: s.ticket,
    time: String(at),
    nonce,
    bodySha256,
    signature: sign(s.key, `${method}\n${url}\n${bodySha256}\n${at}\n${nonce}`),
    ...over,
  };
}

describe('SessionAuthority', () => {
  test('a code works once and yields a ticket and key; a request signed with the key passes, once', () => {
    const { clock, auth } = authority();
    const { code } = auth.mintCode();
    const s = auth.redeem(code);
    assert.ok(s);
    assert.equal(auth.redeem(code), null, 'second use refused');
    const req = signed(s, clock.now);
    assert.equal(auth.verify(req).ok, true);
    assert.match((auth.verify(req) as { reason: string }).reason, /replayed/, 'a replay is refused');
    assert.equal(auth.verify({ ...signed(s, clock.now), signature: undefined }).ok, false, 'ticket alone');
    const other = auth.redeem(auth.mintCode().code)!;
    assert.equal(auth.verify(signed({ ticket: s.ticket, key: other.key }, clock.now)).ok, false);
  });

  test('the signature covers method, URL, body digest, time and nonce', () => {
    const { clock, auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    const base = signed(s, clock.now, { method: 'POST', url: '/api/services/a/restart' });
    for (const change of [
      { method: 'DELETE' },
      { url: '/api/services/b/restart' },
      { bodySha256: 'f'.repeat(64) },
      { time: String(clock.now + 1) },
      { nonce: 'another-nonce-000000' },
    ]) {
      assert.match((auth.verify({ ...base, ...change }) as { reason: string }).reason, /signature/);
    }
    assert.equal(auth.verify(base).ok, true);
  });

  test('the time window is ±60 s, and nothing signed before the agent started passes', () => {
    const { clock, auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    clock.now += 5 * 60_000;
    assert.match((auth.verify(signed(s, clock.now - 61_000)) as { reason: string }).reason, /window/);
    assert.match((auth.verify(signed(s, clock.now + 61_000)) as { reason: string }).reason, /window/);
    assert.equal(auth.verify(signed(s, clock.now - 59_000)).ok, true);
    // A new agent (a restart) refuses what was signed before it started, even within the window.
    const restarted = new SessionAuthority(TOKEN, () => clock.now, 10 * 60_000, store);
    assert.match(
      (restarted.verify(signed(s, clock.now - 1)) as { reason: string }).reason,
      /before this agent/,
    );
    assert.equal(restarted.verify(signed(s, clock.now)).ok, true);
  });

  test('proofs: only for a fresh challenge, once, and never usable as a request signature', () => {
    const { clock, auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    const challenge = `${clock.now}.${'c'.repeat(32)}`;
    const p = auth.prove(s.ticket, challenge);
    assert.deepEqual(p, { ok: true, proof: sign(s.key, `${PROOF_LABEL}${challenge}`) });
    assert.match((auth.prove(s.ticket, challenge) as { reason: string }).reason, /replayed/);
    assert.equal(auth.prove(s.ticket, `${clock.now - 61_000}.${'d'.repeat(32)}`).ok, false);
    assert.equal(auth.prove(s.ticket, 'c'.repeat(32)).ok, false, 'no time: malformed');
    assert.equal(auth.prove('garbage', `${clock.now}.${'e'.repeat(32)}`).ok, false);
  });

  test('codes expire after a minute; unknown codes are refused', () => {
    const { clock, auth } = authority();
    const { code, expiresAt } = auth.mintCode();
    assert.equal(expiresAt, clock.now + LOGIN_CODE_TTL_MS);
    clock.now += LOGIN_CODE_TTL_MS;
    assert.equal(auth.redeem(code), null);
    assert.equal(auth.redeem('x'.repeat(43)), null);
    assert.equal(auth.redeem(''), null);
  });

  test('tickets are tamper-proof, expire, and end on sign-out, in the stored list (hashes only)', () => {
    const { clock, auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    const [exp, nonce, mac] = s.ticket.split('.');
    const longer = `${Number(exp) + 1e9}.${nonce}.${mac}`;
    assert.match(
      (auth.verify(signed({ ...s, ticket: longer }, clock.now)) as { reason: string }).reason,
      /invalid/,
    );
    assert.match(
      (auth.verify(signed({ ...s, ticket: 'garbage' }, clock.now)) as { reason: string }).reason,
      /malformed/,
    );
    clock.now += 5 * 60_000;
    assert.equal(auth.verify(signed(s, clock.now)).ok, true);
    auth.revoke(s.session);
    assert.match((auth.verify(signed(s, clock.now)) as { reason: string }).reason, /signed out/);
    const listed = JSON.stringify(auth.list());
    assert.ok(!listed.includes(nonce!) && !listed.includes(s.key), 'no id or key in the stored list');
    assert.equal(Object.keys(auth.list()).length, 1);
    const t = auth.redeem(auth.mintCode().code)!;
    clock.now += 10 * 60_000;
    assert.match((auth.verify(signed(t, clock.now)) as { reason: string }).reason, /expired/);
  });

  test('a different token means different sessions (replacing the token file ends them)', () => {
    const { clock, auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    const other = new SessionAuthority('e'.repeat(64), () => clock.now, 10 * 60_000, store);
    assert.equal(other.verify(signed(s, clock.now)).ok, false);
  });

  test('a session missing from the stored list is refused; the list keeps at most 64', () => {
    const { clock, auth } = authority();
    const first = auth.redeem(auth.mintCode().code)!;
    for (let i = 0; i < 64; i++) {
      clock.now += 1;
      auth.redeem(auth.mintCode().code);
    }
    assert.equal(Object.keys(auth.list()).length, 64);
    assert.match((auth.verify(signed(first, clock.now)) as { reason: string }).reason, /unknown session/);
  });

  test('at most 32 codes are outstanding; the oldest goes first', () => {
    const { auth } = authority();
    const first = auth.mintCode().code;
    for (let i = 0; i < 32; i++) auth.mintCode();
    assert.equal(auth.redeem(first), null);
  });
});

describe('vigil open helpers', () => {
  test('opens with xdg-open only in a desktop session, open on macOS', () => {
    assert.equal(opener('linux', {}), null);
    assert.equal(opener('linux', { DISPLAY: ':0' }), 'xdg-open');
    assert.equal(opener('linux', { WAYLAND_DISPLAY: 'wayland-0' }), 'xdg-open');
    assert.equal(opener('darwin', {}), 'open');
  });

  test('the redirect page escapes the URL', () => {
    const page = redirectPage('http://127.0.0.1:1/login?code=a&b="<x>');
    assert.match(page, /content="0;url=http:\/\/127\.0\.0\.1:1\/login\?code=a&amp;b=&quot;&lt;x>"/);
    assert.doesNotMatch(page, /<script/i);
  });
});
