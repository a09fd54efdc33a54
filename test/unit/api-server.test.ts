import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { ApiClient } from '../../agent/api/client.js';
import { VigilError } from '../../agent/core/errors.js';
import {
  FakeHandlers,
  TOKEN,
  hostHeaders,
  raw,
  startFixture,
  startMustFail,
  type Fixture,
} from '../helpers/api-fixture.js';

function rejectsWith(code: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof VigilError, `expected a VigilError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe('agent API server', { timeout: 10_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    await fx.close();
  });

  test('serves status over the unix socket without a token', async () => {
    const doc = await new ApiClient({ socketPath: fx.socketPath }).status();
    assert.deepEqual(
      doc.services.map((s) => s.name),
      ['web'],
    );
    const res = await raw({ socketPath: fx.socketPath }, { path: '/api/health' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, fx.handlers.health());
  });

  test('HTTP listens on an ephemeral loopback port and reports it', () => {
    assert.deepEqual(fx.server.httpAddress(), { host: '127.0.0.1', port: fx.port });
    assert.ok(fx.port > 0);
  });

  test('HTTP without a token, or with a wrong one, is 401; with the right one 200', async () => {
    const none = await raw(
      { port: fx.port },
      { path: '/api/status', headers: { host: `127.0.0.1:${fx.port}` } },
    );
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.deepEqual(Object.keys(none.json as object), ['error']);
    assert.equal((none.json as { error: { code: string } }).error.code, 'E_UNAUTHORIZED');
    const wrong = await raw(
      { port: fx.port },
      { path: '/api/status', headers: hostHeaders(fx.port, { authorization: `Bearer ${'b'.repeat(64)}` }) },
    );
    assert.equal(wrong.status, 401);
    const prefix = await raw(
      { port: fx.port },
      {
        path: '/api/status',
        headers: hostHeaders(fx.port, { authorization: `Bearer ${TOKEN.slice(0, 10)}` }),
      },
    );
    assert.equal(prefix.status, 401);
    const right = await raw({ port: fx.port }, { path: '/api/status', headers: hostHeaders(fx.port) });
    assert.equal(right.status, 200);
    assert.equal((right.json as { services: unknown[] }).services.length, 1);

    assert.equal((await new ApiClient({ baseUrl: fx.baseUrl, token: TOKEN }).health()).version, '9.9.9');
    await assert.rejects(
      new ApiClient({ baseUrl: fx.baseUrl, token: 'nope'.repeat(8) }).status(),
      rejectsWith('E_UNAUTHORIZED'),
    );
  });

  test('a foreign Host header is 403 (DNS rebinding), loopback names with our port are fine', async () => {
    for (const host of ['evil.example:' + fx.port, `127.0.0.1:${fx.port + 1}`, '127.0.0.1', '']) {
      const res = await raw(
        { port: fx.port },
        { path: '/api/status', headers: hostHeaders(fx.port, { host }) },
      );
      assert.equal(res.status, 403, `Host "${host}"`);
      assert.equal((res.json as { error: { code: string } }).error.code, 'E_FORBIDDEN_HOST');
    }
    for (const host of [`localhost:${fx.port}`, `LOCALHOST:${fx.port}`, `[::1]:${fx.port}`]) {
      const res = await raw(
        { port: fx.port },
        { path: '/api/status', headers: hostHeaders(fx.port, { host }) },
      );
      assert.equal(res.status, 200, `Host "${host}"`);
    }
  });

  test('an Origin that is not this agent is 403', async () => {
    for (const origin of [
      'http://evil.example',
      `https://127.0.0.1:${fx.port}`,
      'null',
      `http://127.0.0.1:1`,
    ]) {
      const res = await raw(
        { port: fx.port },
        { path: '/api/status', headers: hostHeaders(fx.port, { origin }) },
      );
      assert.equal(res.status, 403, `Origin "${origin}"`);
      assert.equal((res.json as { error: { code: string } }).error.code, 'E_FORBIDDEN_HOST');
    }
    const ok = await raw(
      { port: fx.port },
      { path: '/api/status', headers: hostHeaders(fx.port, { origin: `http://localhost:${fx.port}` }) },
    );
    assert.equal(ok.status, 200);
  });

  test('unknown routes are 404 with an error body, wrong methods 405', async () => {
    const res = await raw({ socketPath: fx.socketPath }, { path: '/api/nope' });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, {
      error: { code: 'E_NOT_FOUND', message: 'no such endpoint: GET /api/nope' },
    });
    const verb = await raw(
      { socketPath: fx.socketPath },
      { method: 'POST', path: '/api/services/web/explode' },
    );
    assert.equal(verb.status, 404);
    const get = await raw({ socketPath: fx.socketPath }, { path: '/api/services/web/start' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.equal((get.json as { error: { code: string } }).error.code, 'E_USAGE');
  });

  test('actions route to the handler; E_UNKNOWN_SERVICE is 404 and the client rethrows it', async () => {
    const client = new ApiClient({ socketPath: fx.socketPath });
    const result = await client.action('web', 'restart');
    assert.deepEqual(
      { ...result, status: result.status.name },
      { service: 'web', action: 'restart', ok: true, status: 'web' },
    );
    const res = await raw(
      { socketPath: fx.socketPath },
      { method: 'POST', path: '/api/services/ghost/stop' },
    );
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { error: { code: 'E_UNKNOWN_SERVICE', message: 'unknown service "ghost"' } });
    await assert.rejects(client.action('ghost', 'start'), rejectsWith('E_UNKNOWN_SERVICE', /ghost/));
    // Names are percent-encoded by the client and decoded by the server.
    await assert.rejects(client.action('a/b c', 'start'), rejectsWith('E_UNKNOWN_SERVICE', /"a\/b c"/));
  });

  test('POST bodies: JSON only and at most 64 KB', async () => {
    const target = { socketPath: fx.socketPath };
    const post = { method: 'POST', path: '/api/services/web/start' };
    const json = { 'content-type': 'application/json' };
    assert.equal((await raw(target, { ...post, headers: json, body: '{}' })).status, 200);
    assert.equal(
      (await raw(target, { ...post, headers: { 'content-type': 'text/plain' }, body: 'hi' })).status,
      415,
    );
    assert.equal((await raw(target, { ...post, headers: json, body: '{nope' })).status, 400);
    const big = await raw(target, { ...post, headers: json, body: `"${'x'.repeat(70 * 1024)}"` });
    assert.equal(big.status, 413);
    assert.equal((big.json as { error: { code: string } }).error.code, 'E_USAGE');
    const chunked = await raw(target, {
      ...post,
      headers: json,
      body: `"${'x'.repeat(70 * 1024)}"`,
      chunked: true,
    });
    assert.equal(chunked.status, 413, 'a chunked body without Content-Length is counted too');
  });

  test('events: the query reaches the handler decoded; bad queries are 400', async () => {
    const client = new ApiClient({ socketPath: fx.socketPath });
    fx.handlers.emit('crashed', 'web');
    fx.handlers.emit('started', 'db');
    const { events } = await client.events({
      service: 'web',
      types: ['crashed', 'oom-killed'],
      since: 5,
      limit: 7,
    });
    assert.deepEqual(
      events.map((e) => [e.id, e.type]),
      [[1, 'crashed']],
    );
    assert.deepEqual(fx.handlers.queries.at(-1), {
      since: 5,
      service: 'web',
      types: ['crashed', 'oom-killed'],
      limit: 7,
    });
    await raw(
      { socketPath: fx.socketPath },
      { path: '/api/events?since=2024-01-01T00:00:00Z&type=drift&type=removed' },
    );
    assert.deepEqual(fx.handlers.queries.at(-1), {
      since: Date.parse('2024-01-01T00:00:00Z'),
      types: ['drift', 'removed'],
    });
    for (const q of [
      'limit=abc',
      'limit=0',
      'limit=10001',
      'since=yesterday',
      'type=exploded',
      'servce=web',
      'afterId=-1',
    ]) {
      const res = await raw({ socketPath: fx.socketPath }, { path: `/api/events?${q}` });
      assert.equal(res.status, 400, q);
      assert.equal((res.json as { error: { code: string } }).error.code, 'E_USAGE', q);
    }
  });

  test('a handler failing with a plain Error is a 500 E_INTERNAL, its message kept in the log', async () => {
    fx.handlers.fail = new Error('disk on fire');
    try {
      await assert.rejects(
        new ApiClient({ socketPath: fx.socketPath }).status(),
        rejectsWith('E_INTERNAL', /internal error \(request [0-9a-f]{12}\)/),
      );
    } finally {
      fx.handlers.fail = null;
    }
  });

  test('the socket file is mode 0600', () => {
    const st = statSync(fx.socketPath);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  });

  test('a second server on the same socket while the first is alive fails, and leaves the first alone', async () => {
    rejectsWith(
      'E_IO',
      /already running/,
    )(await startMustFail({ handlers: new FakeHandlers(), socketPath: fx.socketPath, token: TOKEN }));
    assert.equal((await new ApiClient({ socketPath: fx.socketPath }).health()).ok, true);
  });
});
