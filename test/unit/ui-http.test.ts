/** The HTTP listener's web side against a real server: static UI, login exchange, cookie+key sessions, CSRF, CSP. */
import { after, before, describe, test } from 'node:test';
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

  /** Logs in like a browser: mint a code over the socket, follow /login, return cookie and key. */
  async function login(): Promise<{ cookie: string; key: string; setCookie: string }> {
    const { url } = await socketClient.call('loginCode', {});
    const u = new URL(url);
    assert.equal(u.host, `127.0.0.1:${fx.port}`);
    const res = await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() });
    assert.equal(res.status, 303);
    const setCookie = String(res.headers['set-cookie']);
    const location = String(res.headers.location);
    const key = /^\/#key=([A-Za-z0-9_-]+)$/.exec(location)?.[1];
    assert.ok(key, location);
    return { cookie: setCookie.split(';')[0]!, key, setCookie };
  }

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

  test('login link → cookie (HttpOnly, SameSite=Strict) + key; both are needed; the link works once', async () => {
    const { url } = await socketClient.call('loginCode', {});
    const { cookie, key, setCookie } = await login();
    assert.match(setCookie, new RegExp(`^vigil_session_${fx.port}=`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const u = new URL(url);
    const first = await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() });
    const again = await raw({ port: fx.port }, { path: u.pathname + u.search, headers: host() });
    assert.equal(first.status, 303);
    assert.equal(again.status, 401);
    assert.match(again.text, /vigil open/);
    assert.equal(again.headers['set-cookie'], undefined);

    const ok = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...host(), cookie, 'x-vigil-key': key } },
    );
    assert.equal(ok.status, 200);
    assert.equal(
      ok.headers['content-security-policy'],
      CONTENT_SECURITY_POLICY,
      'API responses carry the CSP too',
    );
    assert.equal(ok.headers['cache-control'], 'no-store');
    const noKey = await raw({ port: fx.port }, { path: '/api/status', headers: { ...host(), cookie } });
    assert.equal(
      noKey.status,
      401,
      'a cookie seen by another local server cannot be replayed without the key',
    );
    const noCookie = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...host(), 'x-vigil-key': key } },
    );
    assert.equal(noCookie.status, 401);
    const wrongPort = await raw(
      { port: fx.port },
      {
        path: '/api/status',
        headers: { ...host(), cookie: cookie.replace(`_${fx.port}=`, '_1='), 'x-vigil-key': key },
      },
    );
    assert.equal(wrongPort.status, 401);
    const session = await raw(
      { port: fx.port },
      { path: '/api/session', headers: { ...host(), cookie, 'x-vigil-key': key } },
    );
    const doc = session.json as SessionDoc;
    assert.equal(doc.principal, 'cookie');
    assert.equal(doc.uiUrl, `http://127.0.0.1:${fx.port}`);
    assert.ok(doc.expiresAt !== null && Date.parse(doc.expiresAt) > clock.now);
  });

  test('a session changes things only from this origin (Origin required, cross-site refused)', async () => {
    const { cookie, key } = await login();
    const base = { ...host(), cookie, 'x-vigil-key': key };
    const post = (headers: Record<string, string>) =>
      raw({ port: fx.port }, { method: 'POST', path: '/api/services/web/restart', headers });
    assert.equal((await post(base)).status, 403, 'no Origin');
    assert.equal((await post({ ...base, origin: 'http://127.0.0.1:1' })).status, 403, 'another port');
    assert.equal((await post({ ...base, origin: 'http://evil.example' })).status, 403);
    assert.equal(
      (await post({ ...base, origin: origin(), 'sec-fetch-site': 'same-site' })).status,
      403,
      'same-site is another port',
    );
    const ok = await post({ ...base, origin: origin(), 'sec-fetch-site': 'same-origin' });
    assert.equal(ok.status, 200, ok.text);
    const get = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { ...base, 'sec-fetch-site': 'cross-site' } },
    );
    assert.equal(get.status, 403);
  });

  test('the bearer token still works for programs; a session cannot mint login links', async () => {
    const bearer = new ApiClient({ baseUrl: fx.baseUrl, token: TOKEN });
    assert.equal((await bearer.call('session', {})).principal, 'bearer');
    const minted: LoginCodeDoc = await bearer.call('loginCode', {});
    assert.match(minted.url, /\/login\?code=/);
    const { cookie, key } = await login();
    const res = await raw(
      { port: fx.port },
      {
        method: 'POST',
        path: '/api/session/login-code',
        headers: { ...host(), cookie, 'x-vigil-key': key, origin: origin() },
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
    const { cookie, key } = await login();
    const headers = { ...host(), cookie, 'x-vigil-key': key, origin: origin() };
    const out = await raw({ port: fx.port }, { method: 'POST', path: '/api/session/logout', headers });
    assert.equal(out.status, 200);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    const after = await raw({ port: fx.port }, { path: '/api/status', headers });
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
