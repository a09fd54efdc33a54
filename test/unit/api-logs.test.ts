/** The log routes through the real API server and client (fake handlers): tail, search, the follow stream, codecs. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../agent/api/client.js';
import {
  LOG_QUERY_CODECS,
  buildPath,
  type LogSearchQuery,
  type LogTailQuery,
} from '../../agent/api/contract.js';
import { TOKEN, raw, startFixture, type Fixture } from '../helpers/api-fixture.js';
import { FakeLogs } from '../helpers/api-fakes.js';

const tailQ = (lines: number, over: Partial<LogTailQuery> = {}): LogTailQuery => ({
  lines,
  level: null,
  grep: null,
  timeoutMs: 10_000,
  ...over,
});

describe('log query codecs', () => {
  test('round trip, defaults, and refusals', () => {
    const q: LogTailQuery = {
      lines: 20,
      level: 40,
      grep: { pattern: 'a b&c', regex: true, ignoreCase: true },
      timeoutMs: 3000,
    };
    assert.deepEqual(LOG_QUERY_CODECS.logTail.decode(LOG_QUERY_CODECS.logTail.encode(q)), q);
    const s: LogSearchQuery = {
      pattern: 'x=1',
      regex: false,
      ignoreCase: false,
      limit: 7,
      timeoutMs: 500,
      level: null,
    };
    assert.deepEqual(LOG_QUERY_CODECS.logSearch.decode(LOG_QUERY_CODECS.logSearch.encode(s)), s);
    assert.deepEqual(LOG_QUERY_CODECS.logTail.decode(new URLSearchParams()), {
      lines: 50,
      level: null,
      grep: null,
      timeoutMs: 10_000,
    });
    assert.deepEqual(LOG_QUERY_CODECS.logTail.decode(new URLSearchParams('level=warning')).level, 40);
    assert.equal(
      buildPath('logSearch', { name: 'web' }, s),
      '/api/logs/web/search?q=x%3D1&limit=7&timeoutMs=500',
    );
    for (const bad of ['lines=-1', 'lines=100001', 'level=loud', 'regex=maybe', 'color=1', 'timeoutMs=0']) {
      assert.throws(
        () => LOG_QUERY_CODECS.logTail.decode(new URLSearchParams(bad)),
        { code: 'E_USAGE' },
        bad,
      );
    }
    for (const bad of ['', 'q=', 'q=x&limit=0', 'q=x&limit=10001', 'q=x&timeoutMs=120001']) {
      assert.throws(
        () => LOG_QUERY_CODECS.logSearch.decode(new URLSearchParams(bad)),
        { code: 'E_USAGE' },
        bad,
      );
    }
  });
});

describe('log routes', () => {
  let fx: Fixture<FakeLogs>;
  before(async () => {
    fx = await startFixture({ heartbeatMs: 20, handlers: new FakeLogs() });
    fx.handlers.appendLog('one', 'two', 'three warn');
  });
  after(async () => fx.close());

  test('tail and search over the socket and over HTTP with the token', async () => {
    const sock = new ApiClient({ socketPath: fx.socketPath });
    const tail = await sock.call('logTail', { name: 'web' }, tailQ(2, { level: 40 }));
    assert.deepEqual(tail.lines, ['two', 'three warn']);
    assert.deepEqual(fx.handlers.logQueries.at(-1), tailQ(2, { level: 40 }), 'the query arrives decoded');
    const http = new ApiClient({ baseUrl: fx.baseUrl, token: TOKEN });
    const found = await http.call(
      'logSearch',
      { name: 'web' },
      { pattern: 'warn', regex: false, ignoreCase: false, limit: 5, timeoutMs: 1000, level: null },
    );
    assert.deepEqual(found.matches, [{ file: 'web.log', line: 'three warn' }]);
    await assert.rejects(sock.call('logTail', { name: 'nope' }, tailQ(1)), { code: 'E_UNKNOWN_SERVICE' });
    const bad = await raw({ socketPath: fx.socketPath }, { path: '/api/logs/web/search?limit=3' });
    assert.equal(bad.status, 400);
  });

  test('follow: the last lines, then new ones as they come; the client stops it', async () => {
    const got: string[][] = [];
    const ctl = new AbortController();
    const done = new ApiClient({ socketPath: fx.socketPath }).streamLogs(
      'web',
      tailQ(1),
      (ls) => got.push(ls),
      ctl.signal,
    );
    const until = async (pred: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(pred(), `stream got ${JSON.stringify(got)}`);
    };
    await until(() => got.length === 1 && fx.handlers.logFollowerCount === 1);
    assert.deepEqual(got, [['three warn']]);
    fx.handlers.appendLog('four', 'five');
    await until(() => got.length === 2);
    assert.deepEqual(got[1], ['four', 'five']);
    ctl.abort();
    await done;
    await until(() => fx.handlers.logFollowerCount === 0);
  });

  test('follow of an unknown service is a JSON error, not a stream; without the SSE accept header it explains', async () => {
    await assert.rejects(
      new ApiClient({ socketPath: fx.socketPath }).streamLogs('nope', tailQ(1), () => undefined),
      { code: 'E_UNKNOWN_SERVICE' },
    );
    const plain = await raw({ socketPath: fx.socketPath }, { path: '/api/logs/web/follow' });
    assert.equal(plain.status, 400);
    assert.match(plain.text, /text\/event-stream/);
  });

  test('closing the server ends open log streams', async () => {
    const local = await startFixture({ heartbeatMs: 20, handlers: new FakeLogs() });
    const done = new ApiClient({ socketPath: local.socketPath }).streamLogs('web', tailQ(0), () => undefined);
    for (let i = 0; i < 500 && local.handlers.logFollowerCount === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(local.handlers.logFollowerCount, 1);
    await local.close();
    await done.catch(() => undefined);
    assert.equal(local.handlers.logFollowerCount, 0);
  });
});
