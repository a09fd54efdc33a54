/** The browser's API client and live stream against a real API server (fake handlers), over real fetch. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi, isApiError } from '../../renderer/src/api/client.js';
import { createAppStore } from '../../renderer/src/store/index.js';
import { realTimers } from '../../renderer/src/store/deps.js';
import { ApiClient } from '../../agent/api/client.js';
import { TOKEN, startFixture, type Fixture } from '../helpers/api-fixture.js';
import { memoryKeys } from '../helpers/ui-fakes.js';

describe('browser API client against the real server', { timeout: 20_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    await fx.close();
  });

  test('typed calls by the contract, with the bearer token (programs) ', async () => {
    const api = createApi({
      fetch,
      key: () => null,
      base: fx.baseUrl,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal((await api.call('status', {})).services[0]!.name, 'web');
    assert.equal((await api.call('action', { name: 'web', verb: 'restart' })).action, 'restart');
    await assert.rejects(
      api.call('action', { name: 'nope', verb: 'stop' }),
      (err) => isApiError(err) && err.status === 404 && err.code === 'E_UNKNOWN_SERVICE' && !err.unavailable,
    );
    await assert.rejects(
      api.json('GET', '/api/no-such-feature'),
      (err) => isApiError(err) && err.unavailable,
    );
    const anon = createApi({ fetch, key: () => null, base: fx.baseUrl });
    await assert.rejects(anon.call('status', {}), (err) => isApiError(err) && err.unauthorized);
  });

  test('a browser session (proved server, signed requests) drives the store: status, actions, live events', async () => {
    const { url } = await new ApiClient({ socketPath: fx.socketPath }).call('loginCode', {});
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('set-cookie'), null, 'no cookie');
    const key = /#key=(.+)$/.exec(res.headers.get('location')!)![1]!;
    const keys = memoryKeys(key);
    const sent: Array<{ url: string; headers: Headers }> = [];
    const recording: typeof fetch = (input, init) => {
      sent.push({ url: String(input), headers: new Headers(init?.headers) });
      return fetch(input, init);
    };
    const api = createApi({
      fetch: recording,
      key: () => keys.get(),
      base: fx.baseUrl,
      headers: { origin: fx.baseUrl },
    });
    const store = createAppStore({ api, keys, now: Date.now, timers: realTimers });
    assert.equal(await store.getState().checkSession(), true);
    assert.equal(store.getState().session.principal, 'cookie');
    await store.getState().loadStatus();
    assert.deepEqual(store.getState().order, ['web']);
    assert.equal(await store.getState().runAction('web', 'stop'), true);

    const stop = store.getState().startLive({ pollMs: 60_000 });
    try {
      await fx.handlers.waitForSubscribers(1);
      const e = fx.handlers.emit('crashed', 'web');
      const deadline = Date.now() + 5_000;
      while (!store.getState().events.some((x) => x.id === e.id) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      assert.ok(
        store.getState().events.some((x) => x.id === e.id),
        'the live event arrived',
      );
      assert.equal(store.getState().live, 'live');
    } finally {
      stop();
    }
    await fx.handlers.waitForUnsubscribe(0);
    // Each request went after a proof, signed; the key itself never left the page.
    const secret = key.split('~')[1]!;
    assert.ok(sent.length >= 6);
    const proofs = sent.filter((r) => /\/api\/session\/proof\?challenge=\d+\./.test(r.url));
    const calls = sent.filter((r) => !proofs.includes(r));
    // Every request came after a proof of its own (a proof may be left unused when the stream is stopped).
    for (const [i, c] of calls.entries()) {
      const before = sent.slice(0, sent.indexOf(c)).filter((r) => proofs.includes(r)).length;
      assert.ok(before >= i + 1, `request ${i} (${c.url}) after its own proof`);
    }
    for (const r of calls) assert.ok(r.headers.get('x-vigil-signature'), `${r.url} is signed`);
    for (const r of sent) for (const [, v] of r.headers) assert.ok(!v.includes(secret));
  });

  test('a server that cannot prove it holds the key gets nothing but the challenge', async () => {
    const { url } = await new ApiClient({ socketPath: fx.socketPath }).call('loginCode', {});
    const res = await fetch(url, { redirect: 'manual' });
    const key = /#key=(.+)$/.exec(res.headers.get('location')!)![1]!;
    const sent: string[] = [];
    const squatter: typeof fetch = async (input) => {
      sent.push(String(input));
      return new Response(JSON.stringify({ proof: 'not-the-right-one' }), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const api = createApi({ fetch: squatter, key: () => key, base: fx.baseUrl });
    await assert.rejects(
      api.call('action', { name: 'web', verb: 'restart' }),
      (err) => isApiError(err) && err.code === 'E_AGENT_UNREACHABLE' && /could not prove/.test(err.message),
    );
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /\/api\/session\/proof\?challenge=/);
  });
});
