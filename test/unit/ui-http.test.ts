/** The HTTP listener's web side against a real server: static UI, login exchange, signed sessions and proofs, CSRF, CSP. */
import { signIn, signatureHeaders, type BrowserSession } from '../helpers/browser-session.js';
import { sign } from '../../agent/api/session.js';
import { PROOF_LABEL } from '../../agent/api/contract.js';
import { after, before, describe, test } from 'node:test';
import net from 'node:net';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../agent/api/client.js';
import { CONTENT_SECURITY_POLICY, resolveStatic } from '../../agent/api/ui-static.js';
import type { LoginCodeDoc, SessionDoc } from '../../agent/api/contract.js';
import { openCommand } from '../../agent/cli/commands/open.js';
import {
  FakeHandlers,
  TOKEN,
  hostHeaders,
  raw,
  startFixture,
  tempDir,
  type Fixture,
} from '../helpers/api-fixture.js';
import { startApiServer } from '../../agent/api/server.js';

function uiDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-ui-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>Vigil</title><script type="module" src="/assets/app-1.js"></script>',
  );
  writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
  writeFileSync(path.join(dir, '.secret'), 'no');
  return dir;
}

describe('web UI and browser sessions (real server)', { timeout: 20_000 }, () => {
  let fx: Fixture;
  let dir: string;
  const clock = { now: 1_700_000_000_000 };
  let socketClient: ApiClient;
  const host = () => ({ host: `127.0.0.1:${fx.port}` });
  const origin = () => `http://127.0.0.1:${fx.port}`;

  before(async () => {
    dir = uiDir();
    fx = await startFixture({ uiDir: dir, now: () => clock.now });
    socketClient = new ApiClient({ socketPath: fx.socketPath });
  });
  after(async () => {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Logs in like a browser: mint a code over the socket, follow /login, keep ticket and key. */
  const login = (): Promise<BrowserSession> => signIn(socketClient, fx.port);

  test('serves the UI without a session, with CSP and the right caching', async () => {
    const index = await raw({ port: fx.port }, { path: '/', headers: host() });
    assert.equal(index.status, 200);
    assert.match(index.text, /<title>Vigil/);
    assert.equal(index.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(index.headers['cache-control'], 'no-store');
    assert.equal(index.headers['x-frame-options'], 'DENY');
    const js = await raw({ port: fx.port }, { path: '/assets/app-1.js', headers: host() });
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    assert.equal(
      (await raw({ port: fx.port }, { path: '/favicon.svg', headers: host() })).headers['content-type'],
      'image/svg+xml',
    );
  });

  test('refuses other Host headers (DNS rebinding) for the UI and the login link too', async () => {
    for (const p of ['/', '/assets/app-1.js', '/login?code=x']) {
      const res = await raw({ port: fx.port }, { path: p, headers: { host: `evil.example:${fx.port}` } });
      assert.equal(res.status, 403, p);
    }
  });

  test('refuses a request with two Host headers, whichever comes first', async () => {
    for (const [a, b] of [
      [`127.0.0.1:${fx.port}`, `evil.example:${fx.port}`],
      [`evil.example:${fx.port}`, `127.0.0.1:${fx.port}`],
    ]) {
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(fx.port, '127.0.0.1', () =>
          sock.write(`GET / HTTP/1.1\r\nHost: ${a}\r\nHost: ${b}\r\nConnection: close\r\n\r\n`),
        );
        let text = '';
        sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
        sock.on('end', () => resolve(text));
        sock.on('error', reject);
      });
      assert.match(reply, /^HTTP\/1\.1 (400|403) /, `${a} then ${b}: ${reply.slice(0, 80)}`);
    }
  });

  test('never serves files outside the build or hidden ones', async () => {
    for (const p of [
      '/assets/../../../etc/passwd',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
      '/.secret',
      '/assets/nope.js',
      '/assets/..%2F..%2Fetc%2Fpasswd',
    ]) {
      const res = await raw({ port: fx.port }, { path: p, headers: host() });
      assert.ok(res.status === 404 || res.status === 401, `${p}: ${res.status}`);
      assert.doesNotMatch(res.text, /root:|no$/);
    }
  });

  /** The page's signature headers for one request (at the fixture's clock). */
  const signedHeaders = (s: BrowserSession, method: string, p: string, body?: string) =>
    signatureHeaders(s, method, p, body, clock.now);

  test('login link → ticket and key in the fragment, no cookie; signed requests only; the link works once', async () => {
    const { url } = await socketClient.call('loginCode', {});
    const u = new URL(url);
    const first = await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() });
    const again = await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() });
    assert.equal(first.status, 303);
    assert.equal(first.headers['set-cookie'], undefined, 'no cookie: nothing the browser sends by itself');
    assert.match(String(first.headers.location), /^\/#key=\d+\.[\w-]+\.[\w-]+~[\w-]+$/);
    assert.equal(again.status, 401);
    assert.match(again.text, /vigil open/);
    const s = await login();

    const ok = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...host(), ...signedHeaders(s, 'GET', '/api/status') } },
    );
    assert.equal(ok.status, 200, ok.text);
    assert.equal(
      ok.headers['content-security-policy'],
      CONTENT_SECURITY_POLICY,
      'API responses carry the CSP too',
    );
    assert.equal(ok.headers['cache-control'], 'no-store');
    const ticketOnly = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...host(), 'x-vigil-session': s.ticket } },
    );
    assert.equal(ticketOnly.status, 401, 'the ticket alone (what a squatter sees) is nothing');
    const keyHeader = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...host(), 'x-vigil-session': s.ticket, 'x-vigil-key': s.key } },
    );
    assert.equal(keyHeader.status, 401, 'the old key header authorises nothing');
    const otherPath = await raw(
      { port: fx.port },
      { path: '/api/credentials', headers: { ...host(), ...signedHeaders(s, 'GET', '/api/status') } },
    );
    assert.equal(otherPath.status, 401, 'a signature is for its own URL');
    const session = await raw(
      { port: fx.port },
      { path: '/api/session', headers: { ...host(), ...signedHeaders(s, 'GET', '/api/session') } },
    );
    const doc = session.json as SessionDoc;
    assert.equal(doc.principal, 'cookie');
    assert.equal(doc.uiUrl, `http://127.0.0.1:${fx.port}`);
    assert.ok(doc.expiresAt !== null && Date.parse(doc.expiresAt) > clock.now);
  });

  test('a signed request works once; a body must match its signed digest', async () => {
    const s = await login();
    const headers = { ...host(), origin: origin(), ...signedHeaders(s, 'POST', '/api/services/web/restart') };
    const post = () => raw({ port: fx.port }, { method: 'POST', path: '/api/services/web/restart', headers });
    assert.equal((await post()).status, 200);
    const replay = await post();
    assert.equal(replay.status, 401);
    assert.match(replay.text, /replayed/);
    const body = JSON.stringify({ value: 'v' });
    const swapped = await raw(
      { port: fx.port },
      {
        method: 'PUT',
        path: '/api/credentials/x/keys/K',
        headers: {
          ...host(),
          origin: origin(),
          'content-type': 'application/json',
          ...signedHeaders(s, 'PUT', '/api/credentials/x/keys/K', body),
        },
        body: JSON.stringify({ value: 'swapped' }),
      },
    );
    assert.equal(swapped.status, 401);
    assert.match(swapped.text, /signed digest/);
  });

  test('the proof: HMAC of a fresh challenge under the key, once, with the ticket only', async () => {
    const s = await login();
    const challenge = `${clock.now}.${'q'.repeat(32)}`;
    const ask = () =>
      raw(
        { port: fx.port },
        {
          path: `/api/session/proof?challenge=${challenge}`,
          headers: { ...host(), 'x-vigil-session': s.ticket },
        },
      );
    const res = await ask();
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { proof: sign(s.key, `${PROOF_LABEL}${challenge}`) });
    assert.equal((await ask()).status, 401, 'a recorded challenge replayed gets nothing');
    const noTicket = await raw(
      { port: fx.port },
      { path: `/api/session/proof?challenge=${clock.now}.${'r'.repeat(32)}`, headers: host() },
    );
    assert.equal(noTicket.status, 401);
  });

  test('a session changes things only from this origin (Origin required, cross-site refused)', async () => {
    const s = await login();
    const post = (headers: Record<string, string>) =>
      raw(
        { port: fx.port },
        {
          method: 'POST',
          path: '/api/services/web/restart',
          headers: { ...host(), ...signedHeaders(s, 'POST', '/api/services/web/restart'), ...headers },
        },
      );
    assert.equal((await post({})).status, 403, 'no Origin');
    assert.equal((await post({ origin: 'http://127.0.0.1:1' })).status, 403, 'another port');
    assert.equal((await post({ origin: 'http://evil.example' })).status, 403);
    assert.equal(
      (await post({ origin: origin(), 'sec-fetch-site': 'same-site' })).status,
      403,
      'same-site is another port',
    );
    const ok = await post({ origin: origin(), 'sec-fetch-site': 'same-origin' });
    assert.equal(ok.status, 200, ok.text);
    const get = await raw(
      { port: fx.port },
      {
        path: '/api/status',
        headers: { ...host(), ...signedHeaders(s, 'GET', '/api/status'), 'sec-fetch-site': 'cross-site' },
      },
    );
    assert.equal(get.status, 403);
  });

  test('the bearer token still works for programs; a session cannot mint login links', async () => {
    const bearer = new ApiClient({ baseUrl: fx.baseUrl, token: TOKEN });
    assert.equal((await bearer.call('session', {})).principal, 'bearer');
    const minted: LoginCodeDoc = await bearer.call('loginCode', {});
    assert.match(minted.url, /\/login\?code=/);
    const s = await login();
    const res = await raw(
      { port: fx.port },
      {
        method: 'POST',
        path: '/api/session/login-code',
        headers: { ...host(), origin: origin(), ...signedHeaders(s, 'POST', '/api/session/login-code') },
      },
    );
    assert.equal(res.status, 401);
    assert.equal((await socketClient.call('session', {})).principal, 'socket');
    const noAuth = await raw({ port: fx.port }, { path: '/api/status', headers: host() });
    assert.equal(noAuth.status, 401);
    assert.equal(
      (await raw({ port: fx.port }, { path: '/api/status', headers: hostHeaders(fx.port) })).status,
      200,
    );
  });

  test('codes expire after a minute; sessions end on sign-out', async () => {
    const { url } = await socketClient.call('loginCode', {});
    clock.now += 61_000;
    const u = new URL(url);
    assert.equal(
      (await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() })).status,
      401,
    );
    const s = await login();
    const out = await raw(
      { port: fx.port },
      {
        method: 'POST',
        path: '/api/session/logout',
        headers: { ...host(), origin: origin(), ...signedHeaders(s, 'POST', '/api/session/logout') },
      },
    );
    assert.equal(out.status, 200, out.text);
    const after = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...host(), ...signedHeaders(s, 'GET', '/api/status') } },
    );
    assert.equal(after.status, 401);
    assert.match(after.text, /signed out/);
  });

  test('vigil open prints a working login link from the running agent', async () => {
    let out = '';
    const io = {
      out: (t: string) => void (out += t),
      err: () => undefined,
      stdin: process.stdin,
      env: { VIGIL_HOME: fx.dir, HOME: fx.dir },
      cwd: fx.dir,
    };
    assert.equal(await openCommand(['--no-browser', '--json'], io), 0);
    const doc = JSON.parse(out) as LoginCodeDoc & { opened: boolean };
    assert.equal(doc.opened, false);
    const u = new URL(doc.url);
    assert.equal(
      (await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() })).status,
      303,
    );
  });
});

describe('static paths', () => {
  test('resolve only to plain files below the build directory', () => {
    const dir = '/srv/ui';
    assert.equal(resolveStatic(dir, '/'), '/srv/ui/index.html');
    assert.equal(resolveStatic(dir, '/assets/app-1.js'), '/srv/ui/assets/app-1.js');
    for (const p of [
      '/assets/../secret',
      '/assets/%2e%2e/x',
      '/..%2f..%2fetc/passwd',
      '/.env',
      '/assets/.hidden',
      '/a%00b',
      '/a\\b',
      '/%E0%A4%A',
    ]) {
      assert.equal(resolveStatic(dir, p), null, p);
    }
  });
});

describe('web UI not built', { timeout: 10_000 }, () => {
  test('says so instead of failing obscurely', async () => {
    const fx = await startFixture({ uiDir: path.join(tmpdir(), 'vigil-no-such-ui-dir') });
    try {
      const res = await raw({ port: fx.port }, { path: '/', headers: { host: `127.0.0.1:${fx.port}` } });
      assert.equal(res.status, 503);
      assert.match(res.text, /npm run build/);
    } finally {
      await fx.close();
    }
  });

  test('an agent without HTTP says how to get a login link', async () => {
    const dir = tempDir();
    const server = await startApiServer({
      handlers: new FakeHandlers(),
      socketPath: path.join(dir, 'agent.sock'),
      token: TOKEN,
    });
    try {
      const c = new ApiClient({ socketPath: server.socketPath });
      assert.equal((await c.call('session', {})).uiUrl, null);
      await assert.rejects(c.call('loginCode', {}), (err: Error) =>
        /--http 127\.0\.0\.1:PORT/.test(err.message),
      );
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
