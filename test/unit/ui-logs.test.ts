/** The log viewer's data: levels, the buffer, filtering 100k lines, highlight/redaction segments, virtual rows. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LogBuffer,
  filterLines,
  levelName,
  levelOf,
  segments,
  visibleRange,
} from '../../renderer/src/logs/lines.js';
import { linesOfMessage } from '../../renderer/src/store/logs-slice.js';
import { FakeFetch, errorResponse, flush, json, makeStore } from '../helpers/ui-fakes.js';

describe('levels', () => {
  test('JSON lines (pino numbers, structlog/python names) and plain text', () => {
    assert.equal(levelOf('{"level":50,"msg":"x"}'), 50);
    assert.equal(levelOf('{"level":"warning","event":"x"}'), 40);
    assert.equal(levelOf('{"levelname":"ERROR","message":"x"}'), 50);
    assert.equal(levelOf('{"severity":"critical"}'), 60);
    assert.equal(levelOf('{"msg":"no level"}'), 0);
    assert.equal(levelOf('2024-01-01 12:00:00 WARN disk almost full'), 40);
    assert.equal(levelOf('[ERROR] boom'), 50);
    assert.equal(levelOf('ts=1 level=debug msg=x'), 20);
    assert.equal(levelOf('an error happened'), 0, 'lower-case prose is not a level');
    assert.equal(levelOf('INFORMATIONAL only'), 0);
    assert.equal(levelName(45), 'warn');
    assert.equal(levelName(0), null);
  });
});

describe('LogBuffer and filtering', () => {
  test('keeps the newest `max` lines', () => {
    const b = new LogBuffer(5);
    b.append(['a', 'b', 'c']);
    b.append(['d', 'e', 'f', 'g']);
    assert.equal(b.length, 5);
    assert.deepEqual(
      Array.from({ length: b.length }, (_, i) => b.line(i)),
      ['c', 'd', 'e', 'f', 'g'],
    );
    for (let i = 0; i < 20; i++) b.append([`x${i}`]);
    assert.equal(b.line(4), 'x19');
    assert.equal(b.line(0), 'x15');
  });

  test('100k lines: level and search filters pick exactly the right lines', () => {
    const b = new LogBuffer();
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      lines.push(
        i % 10 === 0
          ? `ERROR request ${i} failed`
          : i % 3 === 0
            ? `{"level":40,"msg":"slow ${i}"}`
            : `INFO request ${i} ok`,
      );
    }
    b.append(lines);
    assert.equal(filterLines(b, { minLevel: 0, query: '' }), null, 'no filter: no index array');
    const errors = filterLines(b, { minLevel: 50, query: '' })!;
    assert.equal(errors.length, 10_000);
    assert.ok(Array.from(errors.slice(0, 3)).every((i) => b.line(i).startsWith('ERROR')));
    const warnPlus = filterLines(b, { minLevel: 40, query: '' })!;
    assert.equal(
      warnPlus.length,
      lines.filter((l) => l.startsWith('ERROR') || l.includes('"level":40')).length,
    );
    const q = filterLines(b, { minLevel: 0, query: 'REQUEST 4243 ' })!;
    assert.deepEqual(
      Array.from(q).map((i) => b.line(i)),
      ['INFO request 4243 ok'],
    );
  });

  test('segments: case-insensitive highlights and redacted secrets as their own parts', () => {
    assert.deepEqual(segments('Token [redacted:openai/OPENAI_API_KEY] sent to api', 'api'), [
      { kind: 'text', text: 'Token ' },
      { kind: 'redacted', text: '[redacted:openai/OPENAI_API_KEY]', label: 'openai/OPENAI_API_KEY' },
      { kind: 'text', text: ' sent to ' },
      { kind: 'match', text: 'api' },
    ]);
    assert.deepEqual(
      segments('aAa', 'a').map((s) => s.kind),
      ['match', 'match', 'match'],
    );
    assert.deepEqual(segments('plain', ''), [{ kind: 'text', text: 'plain' }]);
  });

  test('virtual rows: only the viewport plus overscan', () => {
    assert.deepEqual(visibleRange(0, 400, 20, 100_000, 10), { start: 0, end: 30 });
    assert.deepEqual(visibleRange(20 * 50_000, 400, 20, 100_000, 10), { start: 49_990, end: 50_030 });
    assert.deepEqual(visibleRange(20 * 99_990, 400, 20, 100_000, 10), { start: 99_980, end: 100_000 });
    assert.deepEqual(visibleRange(0, 400, 20, 0), { start: 0, end: 0 });
  });
});

describe('logs slice', () => {
  test('without follow: loads the tail; a 404 means the agent has no logs API; other errors are errors', async () => {
    const f = new FakeFetch().on('GET /api/logs/web', ({ url }) =>
      json({
        service: 'web',
        lines: [`tail of ${url.searchParams.get('lines')}`, 'WARN x'],
        files: ['web.log'],
        timedOut: false,
      }),
    );
    const { store } = makeStore(f);
    store.getState().setFollow(false);
    await store.getState().openLogs('web', 1000);
    const s = store.getState();
    assert.equal(s.logState.kind, 'ready');
    assert.equal(s.logBuffer.length, 2);
    assert.equal(s.logBuffer.line(0), 'tail of 1000');
    await store.getState().openLogs('db');
    assert.equal(store.getState().logState.kind, 'unavailable');
    const g = new FakeFetch().on('GET /api/logs/web', () => errorResponse(500, 'E_IO', 'disk gone'));
    const s2 = makeStore(g).store;
    s2.getState().setFollow(false);
    await s2.getState().openLogs('web');
    assert.deepEqual(s2.getState().logState, { kind: 'error', message: 'disk gone' });
  });

  test('follow: the stream brings the tail then new lines; a reconnect starts a fresh buffer (no duplicates)', async () => {
    const enc = new TextEncoder();
    let n = 0;
    const asked: (string | null)[] = [];
    const f = new FakeFetch().on('GET /api/logs/web/follow', ({ url }) => {
      n++;
      asked.push(url.searchParams.get('lines'));
      const first = n === 1;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode(`event: log\ndata: ${JSON.stringify({ lines: ['a', 'b'] })}\n\n`));
          if (first) {
            c.enqueue(enc.encode(`event: log\ndata: ${JSON.stringify({ lines: ['c'] })}\n\n`));
            c.close();
          }
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const { store, timers } = makeStore(f);
    void store.getState().openLogs('web');
    const lines = () =>
      Array.from({ length: store.getState().logBuffer.length }, (_, i) => store.getState().logBuffer.line(i));
    for (let i = 0; i < 30 && store.getState().followState !== 'reconnecting'; i++) await flush();
    assert.deepEqual(lines(), ['a', 'b', 'c']);
    timers.run();
    for (let i = 0; i < 30 && store.getState().followState !== 'live'; i++) await flush();
    for (let i = 0; i < 5; i++) await flush();
    assert.deepEqual(lines(), ['a', 'b'], 'the second connection replaced the buffer');
    assert.deepEqual(asked, ['5000', '5000'], 'each connection asks for the last 5000 lines');
    store.getState().closeLogs();
  });

  test('search across every file shows the matches instead of the tail', async () => {
    let query: string | null = null;
    const f = new FakeFetch().on('GET /api/logs/web/search', ({ url }) => {
      query = url.searchParams.get('q');
      return json({
        service: 'web',
        matches: [
          { file: 'web.log.1', line: 'ERROR timeout 1' },
          { file: 'web.log', line: 'ERROR timeout 2' },
        ],
        truncated: false,
        timedOut: false,
        scannedBytes: 10,
        elapsedMs: 1,
        files: [],
      });
    });
    f.on('GET /api/logs/web', { service: 'web', lines: ['x'], files: [], timedOut: false });
    const { store } = makeStore(f);
    store.getState().setFollow(false);
    await store.getState().openLogs('web');
    await store.getState().searchAllLogs('timeout');
    const s = store.getState();
    assert.equal(query, 'timeout');
    assert.deepEqual(s.logSearch, { query: 'timeout', matches: 2, truncated: false, timedOut: false });
    assert.equal(s.logBuffer.line(1), 'ERROR timeout 2');
  });

  test('stream messages carry {"lines": [...]}', () => {
    assert.deepEqual(linesOfMessage('{"lines":["a","b"]}'), ['a', 'b']);
    assert.deepEqual(linesOfMessage('garbage'), []);
  });
});
