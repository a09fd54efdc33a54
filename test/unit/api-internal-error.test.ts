/** No HTTP 500 without a named code: whatever a handler throws, the reply is E_INTERNAL with a request id. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { ApiHandlers } from '../../agent/api/server.js';
import { describeThrown } from '../../agent/api/internal-error.js';
import { hostHeaders, raw, startFixture, type Fixture } from '../helpers/api-fixture.js';

const LEAK = '/root/.vigil/secret-path-canary';
const THROWN: Array<[string, () => unknown]> = [
  ['null', () => null],
  ['undefined', () => undefined],
  ['a string', () => `boom ${LEAK}`],
  ['an Error', () => new TypeError(`cannot read ${LEAK}`)],
  ['an object', () => ({ path: LEAK })],
  ['a number', () => 42],
];

describe('unknown throws in a handler', () => {
  let f: Fixture<ApiHandlers>;
  let thrower: () => unknown = () => null;
  const logged: Array<Record<string, unknown>> = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logged.push(JSON.parse(line));
        done();
      },
    });
    f = await startFixture<ApiHandlers>({
      handlers: {
        status: async () => {
          throw thrower();
        },
      } as ApiHandlers,
      logger: pino({ level: 'error' }, sink),
    });
  });
  after(() => f.close());

  for (const [what, make] of THROWN) {
    it(`${what}: 500 E_INTERNAL with a request id the log has, nothing of the throw`, async () => {
      thrower = make;
      const r = await raw({ port: f.port }, { path: '/api/status', headers: hostHeaders(f.port) });
      assert.equal(r.status, 500);
      const body = r.json as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'E_INTERNAL');
      assert.ok(!r.text.includes('canary'), r.text);
      assert.ok(!/\bnull\b|\bundefined\b/.test(body.error.message), body.error.message);
      const id = /request ([0-9a-f]{12})/.exec(body.error.message)?.[1];
      assert.ok(id, body.error.message);
      await new Promise((resolve) => setImmediate(resolve));
      const line = logged.find((l) => l.requestId === id);
      assert.ok(line, `the log has request ${id}`);
      assert.equal(typeof line.err, 'string');
      assert.ok((line.err as string).length > 0);
    });
  }

  it('describes every kind of throwable without printing "null"', () => {
    assert.deepEqual(describeThrown(null), { kind: 'null', message: 'null was thrown' });
    assert.deepEqual(describeThrown(undefined), { kind: 'undefined', message: 'undefined was thrown' });
    assert.deepEqual(describeThrown(''), { kind: 'string', message: '(empty)' });
    assert.equal(describeThrown(new Error('')).message, '(no message)');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(describeThrown(cyclic).kind, 'object');
    assert.ok(describeThrown('x'.repeat(1000)).message.length <= 201);
  });
});
