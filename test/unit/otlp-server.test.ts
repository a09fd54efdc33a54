/** The OTLP/HTTP listener on its own: the bearer token, methods and paths, gzip, partial success, body limit. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startOtlpServer, type OtlpServer } from '../../agent/api/otlp-server.js';
import { OtlpDecoder } from '../../agent/adapters/otlp/decode.js';
import type { MetricsRequest } from '../../agent/core/otlp/wire.js';

const TOKEN = 'otlp-test-token-0123456789';
const BODY = JSON.stringify({
  resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'app' } }] } }],
});

describe('OTLP listener', () => {
  let server: OtlpServer;
  const seen: MetricsRequest[] = [];
  let url = '';
  before(async () => {
    server = await startOtlpServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      decoder: new OtlpDecoder(),
      maxBodyBytes: 4096,
      handlers: {
        metrics: (r) => {
          seen.push(r);
          return { rejected: 2, message: '2 × openclaw.tokens: no model attribute' };
        },
        logs: () => ({ rejected: 0, message: null }),
      },
    });
    url = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    });

  it('asks for the token: none or a wrong one is 401, and nothing reaches the handler', async () => {
    const none = await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      body: BODY,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { message: string }).message, /missing or invalid token/);
    assert.equal(
      (await post('/v1/metrics', BODY, { authorization: 'Bearer nope-nope-nope-nope' })).status,
      401,
    );
    assert.equal(seen.length, 0);
  });

  it('answers partial success in the request encoding', async () => {
    const res = await post('/v1/metrics', BODY);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      partialSuccess: { rejectedDataPoints: '2', errorMessage: '2 × openclaw.tokens: no model attribute' },
    });
    assert.equal(seen.at(-1)!.resourceMetrics![0]!.resource!.attributes![0]!.value!.stringValue, 'app');
    const logs = await post('/v1/logs', '{}');
    assert.deepEqual([logs.status, await logs.json()], [200, {}]);
  });

  it('takes gzip, refuses other encodings, other paths and methods, and bodies over the limit', async () => {
    const n = seen.length;
    assert.equal((await post('/v1/metrics', gzipSync(BODY), { 'content-encoding': 'gzip' })).status, 200);
    assert.equal(seen.length, n + 1);
    assert.equal((await post('/v1/metrics', BODY, { 'content-encoding': 'br' })).status, 415);
    assert.equal((await post('/v1/metrics', 'not gzip', { 'content-encoding': 'gzip' })).status, 400);
    assert.equal((await post('/v1/traces', BODY)).status, 404);
    assert.equal(
      (await fetch(`${url}/v1/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      405,
    );
    const big = await post('/v1/metrics', gzipSync(Buffer.alloc(10_000, 0x20)), {
      'content-encoding': 'gzip',
    });
    assert.equal(big.status, 413, 'the limit holds after gzip too');
    assert.equal(seen.length, n + 1);
  });
});
