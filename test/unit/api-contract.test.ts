import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  ERROR_CODES,
  QUERY_CODECS,
  ROUTES,
  buildPath,
  decodeQuery,
  httpStatusFor,
  isErrorBody,
  matchRoute,
} from '../../agent/api/contract.js';
import { ApiClient } from '../../agent/api/client.js';
import { VigilError } from '../../agent/core/errors.js';
import { tempDir } from '../helpers/api-fixture.js';

test('matchRoute finds routes, their parameters, wrong methods and unknown paths', () => {
  assert.deepEqual(matchRoute('GET', '/api/status'), { kind: 'match', route: 'status', params: {} });
  assert.deepEqual(matchRoute('POST', '/api/services/my%20svc/restart'), {
    kind: 'match',
    route: 'action',
    params: { name: 'my svc', verb: 'restart' },
  });
  assert.deepEqual(matchRoute('GET', '/api/services/web/start'), {
    kind: 'method-not-allowed',
    allow: ['POST'],
  });
  assert.deepEqual(matchRoute('POST', '/api/services/web/destroy'), { kind: 'not-found' });
  assert.deepEqual(matchRoute('POST', '/api/services//start'), { kind: 'not-found' });
  assert.deepEqual(matchRoute('POST', '/api/services/%E0%A4%A/start'), { kind: 'not-found' });
  assert.deepEqual(matchRoute('GET', '/api/status/'), { kind: 'not-found' });
  assert.deepEqual(matchRoute('DELETE', '/api/events'), { kind: 'method-not-allowed', allow: ['GET'] });
});

test('buildPath and the route table agree: every built path matches its own route', () => {
  const built = {
    health: buildPath('health', {}),
    status: buildPath('status', {}),
    action: buildPath('action', { name: 'a/b?c', verb: 'stop' }),
    events: buildPath(
      'events',
      {},
      { since: 10, types: ['crashed', 'drift'], service: 'x y', limit: 3, afterId: 9 },
    ),
  };
  assert.equal(built.action, '/api/services/a%2Fb%3Fc/stop');
  assert.equal(built.events, '/api/events?since=10&service=x+y&type=crashed%2Cdrift&limit=3&afterId=9');
  for (const [route, p] of Object.entries(built)) {
    const [pathname, search = ''] = p.split('?');
    const m = matchRoute(ROUTES[route as keyof typeof ROUTES].method, pathname!);
    assert.equal(m.kind === 'match' && m.route, route);
    if (route === 'action') assert.deepEqual(m.kind === 'match' && m.params, { name: 'a/b?c', verb: 'stop' });
    if (route === 'events') {
      assert.deepEqual(QUERY_CODECS.events.decode(new URLSearchParams(search)), {
        since: 10,
        service: 'x y',
        types: ['crashed', 'drift'],
        limit: 3,
        afterId: 9,
      });
    }
  }
  assert.throws(() => buildPath('action', { name: '', verb: 'start' }), /missing path parameter/);
});

test('only routes that take a query have a codec; the others decode any query to {}', () => {
  assert.deepEqual(Object.keys(QUERY_CODECS).sort(), [
    'alerts',
    'credentialAudit',
    'events',
    'logFollow',
    'logSearch',
    'logTail',
    'resources',
    'usage',
    'usageSeries',
  ]);
  for (const route of Object.keys(ROUTES) as (keyof typeof ROUTES)[]) {
    if (Object.hasOwn(QUERY_CODECS, route)) continue;
    assert.deepEqual(decodeQuery(route, new URLSearchParams('limit=x&anything=1')), {}, route);
  }
  assert.deepEqual(decodeQuery('events', new URLSearchParams('limit=2')), { limit: 2 });
  assert.throws(
    () => decodeQuery('events', new URLSearchParams('limit=x')),
    (e: unknown) => e instanceof VigilError && e.code === 'E_USAGE',
  );
  assert.equal(buildPath('status', {}, {}), '/api/status');
});

test('error codes map to HTTP statuses', () => {
  assert.equal(httpStatusFor('E_UNKNOWN_SERVICE'), 404);
  assert.equal(httpStatusFor('E_NOT_FOUND'), 404);
  assert.equal(httpStatusFor('E_USAGE'), 400);
  assert.equal(httpStatusFor('E_UNAUTHORIZED'), 401);
  assert.equal(httpStatusFor('E_FORBIDDEN_HOST'), 403);
  assert.equal(httpStatusFor('E_STORE'), 500);
  assert.ok(ERROR_CODES.includes('E_IO'));
  assert.equal(isErrorBody({ error: { code: 'E_IO', message: 'x' } }), true);
  assert.equal(isErrorBody({ error: { code: 'E_MADE_UP', message: 'x' } }), false);
  assert.equal(isErrorBody({ error: 'E_IO' }), false);
});

test('the client gives up after its timeout when the agent accepts but never answers', async () => {
  const dir = tempDir();
  const socketPath = path.join(dir, 'silent.sock');
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
  try {
    const client = new ApiClient({ socketPath, timeoutMs: 50 });
    await assert.rejects(
      client.status(),
      (err) =>
        err instanceof VigilError &&
        err.code === 'E_AGENT_UNREACHABLE' &&
        /did not answer within 50 ms/.test(err.message),
    );
    await assert.rejects(
      client.streamEvents({}, () => undefined),
      (err) => err instanceof VigilError && err.code === 'E_AGENT_UNREACHABLE',
    );
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the client refuses URLs that are not http://', () => {
  assert.throws(() => new ApiClient({ baseUrl: 'https://127.0.0.1:1', token: 't' }), /must be http/);
  assert.throws(() => new ApiClient({ baseUrl: 'not a url', token: 't' }), /invalid agent URL/);
});
