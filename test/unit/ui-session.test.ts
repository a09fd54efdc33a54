/** Browser sessions: one-time codes, the ticket/key pair, expiry and sign-out (agent/api/session.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LOGIN_CODE_TTL_MS,
  SessionAuthority,
  clearSessionCookie,
  readCookie,
  sessionCookie,
} from '../../agent/api/session.js';
import { opener, redirectPage } from '../../agent/cli/commands/open.js';

const TOKEN = 'f'.repeat(64);

function authority(start = 1_700_000_000_000) {
  const clock = { now: start };
  return { clock, auth: new SessionAuthority(TOKEN, () => clock.now, 10 * 60_000) };
}

describe('SessionAuthority', () => {
  test('a code works once and yields a ticket and a key that pass only together', () => {
    const { auth } = authority();
    const { code } = auth.mintCode();
    const s = auth.redeem(code);
    assert.ok(s);
    assert.equal(auth.redeem(code), null, 'second use refused');
    assert.equal(auth.check(s.ticket, s.key).ok, true);
    assert.equal(auth.check(s.ticket, undefined).ok, false, 'ticket alone is not enough');
    assert.equal(auth.check(undefined, s.key).ok, false, 'key alone is not enough');
    const other = auth.redeem(auth.mintCode().code)!;
    assert.equal(auth.check(s.ticket, other.key).ok, false, "another session's key does not fit");
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

  test('tickets are tamper-proof, expire, and end on sign-out', () => {
    const { clock, auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    const [exp, nonce, mac] = s.ticket.split('.');
    const longer = `${Number(exp) + 1e9}.${nonce}.${mac}`;
    assert.match((auth.check(longer, s.key) as { reason: string }).reason, /invalid/);
    assert.match((auth.check('garbage', s.key) as { reason: string }).reason, /malformed/);
    clock.now += 5 * 60_000;
    assert.equal(auth.check(s.ticket, s.key).ok, true);
    auth.revoke(s.session);
    assert.match((auth.check(s.ticket, s.key) as { reason: string }).reason, /signed out/);
    const t = auth.redeem(auth.mintCode().code)!;
    clock.now += 10 * 60_000;
    assert.match((auth.check(t.ticket, t.key) as { reason: string }).reason, /expired/);
  });

  test('a different token means different sessions (replacing the token file ends them)', () => {
    const { auth } = authority();
    const s = auth.redeem(auth.mintCode().code)!;
    const other = new SessionAuthority('e'.repeat(64), () => 1_700_000_000_000);
    assert.equal(other.check(s.ticket, s.key).ok, false);
  });

  test('at most 32 codes are outstanding; the oldest goes first', () => {
    const { auth } = authority();
    const first = auth.mintCode().code;
    for (let i = 0; i < 32; i++) auth.mintCode();
    assert.equal(auth.redeem(first), null);
  });
});

describe('cookies', () => {
  test('the session cookie is HttpOnly, SameSite=Strict, path /, named by port', () => {
    const c = sessionCookie(7878, 'abc', 3_600_000);
    assert.equal(c, 'vigil_session_7878=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600');
    assert.match(clearSessionCookie(7878), /^vigil_session_7878=; .*Max-Age=0$/);
    assert.equal(readCookie('a=1; vigil_session_7878=xyz; b=2', 'vigil_session_7878'), 'xyz');
    assert.equal(readCookie('vigil_session_7879=xyz', 'vigil_session_7878'), undefined);
    assert.equal(readCookie(undefined, 'x'), undefined);
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
