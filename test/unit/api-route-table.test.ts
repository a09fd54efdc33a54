/** The route table over the real server: a server given only some handlers, bodies validated before a handler runs. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../agent/api/client.js';
import { BODY_PARSERS, type ApiHandlers } from '../../agent/api/server.js';
import type { VigilError } from '../../agent/core/errors.js';
import { createApi, isApiError } from '../../renderer/src/api/client.js';
import { TOKEN, raw, serviceStatus, startFixture, type Fixture } from '../helpers/api-fixture.js';

describe('a server with only the handlers a test needs', () => {
  let fx: Fixture<ApiHandlers>;
  const resumed: unknown[] = [];
  before(async () => {
    const handlers: ApiHandlers = {
      status: () => ({ services: [serviceStatus('web')] }),
      budgetResume: ({ body }) => {
        resumed.push(body);
        throw new Error('not reached in these tests');
      },
    };
    fx = await startFixture({ handlers });
  });
  after(() => fx.close());

  test('a route with its handler answers; one without answers 501 E_UNAVAILABLE naming the route', async () => {
    const api = new ApiClient({ socketPath: fx.socketPath });
    assert.equal((await api.status()).services[0]!.name, 'web');
    const r = await raw({ socketPath: fx.socketPath }, { path: '/api/usage' });
    assert.equal(r.status, 501);
    assert.deepEqual(r.json, {
      error: { code: 'E_UNAVAILABLE', message: 'GET /api/usage is not available in this agent' },
    });
    await assert.rejects(api.call('alerts', {}), (e: VigilError) => e.code === 'E_UNAVAILABLE');
  });

  test('the streams without their sources are unavailable too (before any byte of a stream)', async () => {
    for (const path of ['/api/events?since=0', '/api/logs/web/follow']) {
      const r = await raw(
        { socketPath: fx.socketPath },
        { path, headers: { host: 'localhost', accept: 'text/event-stream' } },
      );
      assert.equal(r.status, 501, path);
      assert.equal((r.json as { error: { code: string } }).error.code, 'E_UNAVAILABLE', path);
    }
  });

  test('a malformed body is refused (400) before the handler sees it', async () => {
    const r = await raw(
      { socketPath: fx.socketPath },
      {
        method: 'POST',
        path: '/api/budget/resume',
        headers: { host: 'localhost', 'content-type': 'application/json' },
        body: JSON.stringify({ addUsd: -1 }),
      },
    );
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(resumed, []);
  });

  test('the UI reads E_UNAVAILABLE as "not available", by its code', async () => {
    const ui = createApi({
      fetch,
      key: () => null,
      base: fx.baseUrl,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await assert.rejects(
      ui.call('usage', {}),
      (err) => isApiError(err) && err.code === 'E_UNAVAILABLE' && err.unavailable,
    );
    await assert.rejects(
      ui.call('action', { name: 'web', verb: 'stop' }),
      (err) => isApiError(err) && err.unavailable,
    );
  });
});

test('every route that takes a body has a validator, and it loads only when asked', async () => {
  assert.deepEqual(Object.keys(BODY_PARSERS).sort(), [
    'budgetResume',
    'credentialRemove',
    'credentialRotate',
    'credentialSet',
  ]);
  const parse = await BODY_PARSERS.credentialSet();
  assert.deepEqual(parse({ value: 'v', actor: 'cli' }), { value: 'v', actor: 'cli' });
  assert.throws(
    () => parse({ value: 1 }),
    (e: VigilError) => e.code === 'E_USAGE',
  );
});
