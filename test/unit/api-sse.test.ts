import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { ApiClient } from '../../agent/api/client.js';
import { SseParser, type SseMessage } from '../../agent/api/contract.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { VigilError } from '../../agent/core/errors.js';
import { TOKEN, startFixture, type Fixture } from '../helpers/api-fixture.js';

/** A raw SSE connection that collects parsed messages and lets a test wait for a condition on them. */
function openRaw(fx: Fixture, path: string, headers: Record<string, string> = {}) {
  const messages: SseMessage[] = [];
  const waiters: Array<() => void> = [];
  let res: IncomingMessage | undefined;
  let ended = false;
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      { socketPath: fx.socketPath, path, headers: { accept: 'text/event-stream', ...headers }, agent: false },
      (r) => {
        res = r;
        const parser = new SseParser();
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => {
          messages.push(...parser.push(chunk));
          for (const w of waiters.splice(0)) w();
        });
        r.on('end', () => {
          ended = true;
          for (const w of waiters.splice(0)) w();
        });
        resolve(r);
      },
    );
    req.on('error', reject);
    req.end();
  });
  const events = (): number[] =>
    messages.flatMap((m) => (m.kind === 'event' ? [(JSON.parse(m.data) as VigilEvent).id] : []));
  function until(cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond()) resolve();
        else waiters.push(check);
      };
      check();
    });
  }
  return {
    ready,
    messages,
    events,
    until,
    ended: () => ended,
    close: () => res?.destroy(),
  };
}

describe('GET /api/events as an event stream', { timeout: 10_000 }, () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await startFixture({ heartbeatMs: 20 });
  });
  afterEach(async () => {
    await fx.close();
  });

  test('the client receives live events in order, and disconnecting unsubscribes', async () => {
    const got: VigilEvent[] = [];
    const ctrl = new AbortController();
    let third: () => void = () => undefined;
    const gotThree = new Promise<void>((resolve) => (third = resolve));
    const done = new ApiClient({ socketPath: fx.socketPath }).streamEvents(
      {},
      (e) => {
        got.push(e);
        if (got.length === 3) third();
      },
      ctrl.signal,
    );
    await fx.handlers.waitForSubscribers(1);
    fx.handlers.emit('started');
    fx.handlers.emit('crashed');
    fx.handlers.emit('restarted');
    await gotThree;
    assert.deepEqual(
      got.map((e) => [e.id, e.type]),
      [
        [1, 'started'],
        [2, 'crashed'],
        [3, 'restarted'],
      ],
    );
    ctrl.abort();
    await done;
    await fx.handlers.waitForUnsubscribe(0);
    assert.equal(fx.handlers.listeners.size, 0);
  });

  test('the wire format is id/event/data', async () => {
    const s = openRaw(fx, '/api/events');
    const res = await s.ready;
    assert.equal(res.headers['content-type'], 'text/event-stream');
    assert.equal(res.headers['cache-control'], 'no-store');
    await fx.handlers.waitForSubscribers(1);
    const e = fx.handlers.emit('drift');
    await s.until(() => s.events().length === 1);
    const msg = s.messages.find((m) => m.kind === 'event');
    assert.deepEqual(msg, { kind: 'event', id: '1', event: 'vigil', data: JSON.stringify(e) });
    s.close();
  });

  test('Last-Event-ID replays missed events from history, then goes live, without duplicates', async () => {
    for (let i = 0; i < 5; i++) fx.handlers.emit('started');
    // An event recorded while the history is being read reaches both the history and the subscription.
    fx.handlers.onQuery = () => {
      fx.handlers.onQuery = null;
      fx.handlers.emit('crashed');
    };
    const s = openRaw(fx, '/api/events', { 'last-event-id': '3' });
    await s.ready;
    await s.until(() => s.events().length >= 3);
    assert.deepEqual(fx.handlers.queries.at(-1)?.afterId, 3);
    fx.handlers.emit('stopped');
    await s.until(() => s.events().includes(7));
    assert.deepEqual(s.events(), [4, 5, 6, 7]);
    s.close();
  });

  test('the client resumes with afterId, and live events obey the same filters', async () => {
    fx.handlers.emit('started', 'web');
    fx.handlers.emit('started', 'db');
    fx.handlers.emit('crashed', 'web');
    const got: number[] = [];
    const ctrl = new AbortController();
    const done = new ApiClient({ baseUrl: fx.baseUrl, token: TOKEN }).streamEvents(
      { afterId: 1, service: 'web' },
      (e) => {
        got.push(e.id);
        if (e.id === 6) ctrl.abort();
      },
      ctrl.signal,
    );
    await fx.handlers.waitForSubscribers(1);
    fx.handlers.emit('stopped', 'db');
    fx.handlers.emit('drift', null);
    fx.handlers.emit('stopped', 'web');
    await done;
    assert.deepEqual(got, [3, 6]);
  });

  test('heartbeat comments arrive while nothing happens', async () => {
    const s = openRaw(fx, '/api/events');
    await s.ready;
    await s.until(() => s.messages.filter((m) => m.kind === 'comment' && m.text === 'heartbeat').length >= 2);
    assert.deepEqual(s.events(), []);
    s.close();
  });

  test('closing the server ends open streams, and the client returns', async () => {
    const raw = openRaw(fx, '/api/events');
    await raw.ready;
    const got: number[] = [];
    const done = new ApiClient({ socketPath: fx.socketPath }).streamEvents({}, (e) => got.push(e.id));
    await fx.handlers.waitForSubscribers(2);
    fx.handlers.emit();
    await raw.until(() => raw.events().length === 1);
    await fx.server.close();
    await done;
    await raw.until(() => raw.ended());
    assert.deepEqual(got, [1]);
    assert.equal(fx.handlers.listeners.size, 0);
  });

  test('streaming needs the token over HTTP, and errors reach the client as VigilErrors', async () => {
    await assert.rejects(
      new ApiClient({ baseUrl: fx.baseUrl, token: 'x'.repeat(64) }).streamEvents({}, () => undefined),
      (err) => err instanceof VigilError && err.code === 'E_UNAUTHORIZED',
    );
    await assert.rejects(
      new ApiClient({ socketPath: fx.socketPath }).streamEvents({ limit: 0 }, () => undefined),
      (err) => err instanceof VigilError && err.code === 'E_USAGE',
    );
    assert.equal(fx.handlers.listeners.size, 0);
  });

  test('an error thrown by onEvent rejects streamEvents and closes the stream', async () => {
    const done = new ApiClient({ socketPath: fx.socketPath }).streamEvents({}, () => {
      throw new Error('consumer broke');
    });
    await fx.handlers.waitForSubscribers(1);
    fx.handlers.emit();
    await assert.rejects(done, /consumer broke/);
    await fx.handlers.waitForUnsubscribe(0);
  });
});

describe('SseParser', () => {
  test('handles CRLF split across chunks, multi-line data, comments and ids', () => {
    const p = new SseParser();
    const out = [
      ...p.push(': hello\r'),
      ...p.push('\nid: 7\r\nevent: vigil\ndata: a\ndata:b\r'),
      ...p.push('\n\r'),
      ...p.push('\ndata: no-event\n\n'),
    ];
    assert.deepEqual(out, [
      { kind: 'comment', text: 'hello' },
      { kind: 'event', id: '7', event: 'vigil', data: 'a\nb' },
      { kind: 'event', id: '7', event: 'message', data: 'no-event' },
    ]);
  });
});
