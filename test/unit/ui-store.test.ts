/** The UI store (zustand/vanilla slices) driven without React against a fake agent. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeFetch, errorResponse, flush, json, makeStore, svc } from '../helpers/ui-fakes.js';
import { mergeEvents } from '../../renderer/src/store/events-slice.js';
import {
  overallOf,
  selectDiskFull,
  selectLastCrash,
  selectServiceEvents,
} from '../../renderer/src/store/selectors.js';
import type { VigilEvent } from '../../renderer/src/store/types.js';

function ev(id: number, over: Partial<VigilEvent> = {}): VigilEvent {
  return {
    id,
    key: `k${id}`,
    at: 1_700_000_000_000 + id,
    service: 'web',
    type: 'started',
    severity: 'info',
    message: `e${id}`,
    ...over,
  };
}

describe('session slice', () => {
  test('signed in when /api/session answers; a 401 anywhere signs out', async () => {
    const f = new FakeFetch().on('GET /api/session', {
      principal: 'cookie',
      expiresAt: '2030-01-01T00:00:00.000Z',
      uiUrl: null,
    });
    f.on('GET /api/status', () =>
      errorResponse(401, 'E_UNAUTHORIZED', 'session expired: run "vigil open" again'),
    );
    const { store } = makeStore(f);
    assert.equal(await store.getState().checkSession(), true);
    assert.equal(store.getState().session.status, 'signed-in');
    for (const [name, value] of f.calls[0]!.headers) {
      assert.ok(!value.includes('k'.repeat(43)), `the session key is never sent (header ${name})`);
    }
    await store.getState().loadStatus();
    assert.equal(store.getState().session.status, 'signed-out');
    assert.match(store.getState().session.message ?? '', /expired/);
  });

  test('unreachable agent is not "signed out"; sign-out forgets the key', async () => {
    const { store, keys } = makeStore(new FakeFetch(), {});
    const broken = makeStore(
      Object.assign(new FakeFetch(), { fetch: async () => Promise.reject(new TypeError('fetch failed')) }),
    );
    assert.equal(await broken.store.getState().checkSession(), false);
    assert.equal(broken.store.getState().session.status, 'unreachable');
    await store.getState().signOut();
    assert.equal(keys.value, null);
    assert.equal(store.getState().session.status, 'signed-out');
  });
});

describe('status slice', () => {
  test('keeps unchanged services identical (rows do not re-render) and replaces changed ones', async () => {
    let doc = { services: [svc('web'), svc('db')] };
    const f = new FakeFetch().on('GET /api/status', () => json(doc));
    const { store } = makeStore(f);
    await store.getState().loadStatus();
    const first = store.getState();
    assert.deepEqual(first.order, ['web', 'db']);
    doc = { services: [svc('web'), svc('db', { pid: 200, restarts: 1 })] };
    await store.getState().loadStatus();
    const second = store.getState();
    assert.equal(second.services.web, first.services.web, 'unchanged service keeps its object');
    assert.notEqual(second.services.db, first.services.db);
    assert.equal(second.services.db!.pid, 200);
    assert.equal(second.order, first.order, 'same order keeps its array');
  });

  test('the disk-full condition from the status reaches the headline selector, and clears', async () => {
    const full = {
      state: 'disk-full',
      since: '2026-12-02T12:00:00.000Z',
      what: 'the database (supervisor tick)',
      message: 'cannot write the database: SQLITE_FULL; 0 B free of 20.0 MiB on /v',
      freeBytes: 0,
      totalBytes: 20971520,
      failures: 3,
      pendingEvents: 2,
      pendingExits: 4,
    };
    let doc: Record<string, unknown> = { services: [svc('web')], disk: full };
    const f = new FakeFetch().on('GET /api/status', () => json(doc));
    const { store } = makeStore(f);
    await store.getState().loadStatus();
    assert.equal(selectDiskFull(store.getState())?.pendingExits, 4);
    doc = { services: [svc('web')], disk: { ...full, state: 'ok', since: null, message: null } };
    await store.getState().loadStatus();
    assert.equal(selectDiskFull(store.getState()), null);
    doc = { services: [svc('web')] };
    await store.getState().loadStatus();
    assert.equal(store.getState().disk, null, 'an agent without the disk module');
  });

  test('concurrent loads coalesce: one in flight, one more afterwards', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const f = new FakeFetch().on('GET /api/status', async () => {
      await gate;
      return json({ services: [svc('web')] });
    });
    const { store } = makeStore(f);
    const a = store.getState().loadStatus();
    void store.getState().loadStatus();
    void store.getState().loadStatus();
    release();
    await a;
    await flush();
    assert.equal(f.count('GET /api/status'), 2);
  });

  test('an action marks the service pending, applies the result and toasts', async () => {
    const f = new FakeFetch()
      .on('GET /api/status', { services: [svc('web')] })
      .on('POST /api/services/web/restart', {
        service: 'web',
        action: 'restart',
        ok: true,
        status: svc('web', { pid: 999, restarts: 1 }),
      });
    const { store } = makeStore(f);
    await store.getState().loadStatus();
    const p = store.getState().runAction('web', 'restart');
    assert.equal(store.getState().pending.web, 'restart');
    assert.equal(await p, true);
    assert.equal(store.getState().pending.web, undefined);
    assert.equal(store.getState().toasts.at(-1)?.kind, 'success');
    const fail = new FakeFetch().on('POST /api/services/web/stop', () =>
      errorResponse(500, 'E_SERVICE_MANAGER', 'systemctl failed'),
    );
    const s2 = makeStore(fail).store;
    assert.equal(await s2.getState().runAction('web', 'stop'), false);
    assert.match(s2.getState().toasts.at(-1)!.text, /Could not stop web: systemctl failed/);
  });

  test('CPU % comes from cpuPercent, or from the cpuNsec delta between two documents', async () => {
    let doc = { services: [svc('web', { cpuNsec: 1_000_000_000 })] };
    const f = new FakeFetch().on('GET /api/status', () => json(doc));
    const { store } = makeStore(f); // the fake clock moves 1 s per call
    await store.getState().loadStatus();
    doc = { services: [svc('web', { cpuNsec: 1_500_000_000 })] };
    await store.getState().loadStatus();
    const cpu = store.getState().series.web!.cpu;
    assert.equal(cpu[0], null);
    assert.ok(Math.abs(cpu[1]! - 50) < 1e-9, `got ${cpu[1]}`);
    doc = { services: [svc('web', { cpuPercent: 12.5 })] };
    await store.getState().loadStatus();
    assert.equal(store.getState().series.web!.cpu[2], 12.5);
  });
});

describe('events slice', () => {
  test('merge keeps order and drops duplicates; caps the length', () => {
    const a = mergeEvents([], [ev(1), ev(2)]);
    assert.deepEqual(
      a.map((e) => e.id),
      [1, 2],
    );
    assert.deepEqual(
      mergeEvents(a, [ev(2), ev(3), ev(1)]).map((e) => e.id),
      [1, 2, 3],
    );
    assert.equal(mergeEvents(a, []), a);
    assert.deepEqual(
      mergeEvents(a, [ev(3), ev(4)], 3).map((e) => e.id),
      [2, 3, 4],
    );
  });

  test('a service event schedules one status reload; selectors are memoized', async () => {
    const f = new FakeFetch().on('GET /api/status', { services: [svc('web')] });
    const { store, timers } = makeStore(f);
    store.getState().ingest([
      ev(1),
      ev(2, {
        type: 'crashed',
        exit: { code: 3, signal: null, result: 'exit-code', reason: 'exited with code 3' },
      }),
    ]);
    store.getState().ingest([ev(3, { service: 'db' })]);
    assert.equal(timers.run(), 1, 'one debounced reload');
    await flush();
    assert.equal(f.count('GET /api/status'), 1);
    const sel = selectServiceEvents('web');
    const s = store.getState();
    assert.equal(sel(s), sel(s), 'same array for the same events');
    assert.deepEqual(
      sel(s).map((e) => e.id),
      [1, 2],
    );
    assert.equal(selectLastCrash('web')(s)?.id, 2);
    assert.equal(selectLastCrash('db')(s), null);
  });

  test('the live stream delivers events, reconnects with Last-Event-ID, and stops', async () => {
    const enc = new TextEncoder();
    let connections = 0;
    const lastEventIds: (string | null)[] = [];
    const f = new FakeFetch().on('GET /api/status', { services: [svc('web')] });
    f.on('GET /api/events', ({ headers }) => {
      connections++;
      lastEventIds.push(headers.get('Last-Event-ID'));
      const first = connections === 1;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          if (first) {
            c.enqueue(enc.encode(`id: 7\nevent: vigil\ndata: ${JSON.stringify(ev(7))}\n\n: heartbeat\n\n`));
            c.enqueue(
              enc.encode(`id: 8\nevent: vigil\ndata: ${JSON.stringify(ev(8, { type: 'stopped' }))}\n`),
            );
            c.enqueue(enc.encode('\n'));
            c.close(); // the agent went away
          } else {
            c.enqueue(enc.encode(`id: 9\nevent: vigil\ndata: ${JSON.stringify(ev(9))}\n\n`));
          }
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const { store, timers } = makeStore(f);
    const stop = store.getState().startLive({ pollMs: 60_000, retryMs: 10 });
    for (let i = 0; i < 20 && store.getState().events.length < 2; i++) await flush();
    assert.deepEqual(
      store.getState().events.map((e) => e.id),
      [7, 8],
    );
    for (let i = 0; i < 20 && store.getState().live !== 'reconnecting'; i++) await flush();
    assert.equal(store.getState().live, 'reconnecting');
    timers.run(10); // the retry (not the 60 s poll)
    for (let i = 0; i < 20 && store.getState().events.length < 3; i++) await flush();
    assert.deepEqual(
      store.getState().events.map((e) => e.id),
      [7, 8, 9],
    );
    assert.equal(lastEventIds[1], '8', 'the reconnect resumes after the last event seen');
    assert.ok(f.calls.filter((c) => c.path.startsWith('/api/events'))[1]!.path.includes('afterId=8'));
    stop();
    assert.equal(store.getState().live, 'closed');
  });

  test('the stream reports a 401 as signed out', async () => {
    const f = new FakeFetch().on('GET /api/events', () =>
      errorResponse(401, 'E_UNAUTHORIZED', 'signed out: run "vigil open" again'),
    );
    const { store } = makeStore(f);
    const stop = store.getState().startLive({ pollMs: 60_000 });
    for (let i = 0; i < 20 && store.getState().live !== 'unauthorized'; i++) await flush();
    assert.equal(store.getState().live, 'unauthorized');
    assert.equal(store.getState().session.status, 'signed-out');
    stop();
  });
});

describe('overall state', () => {
  test('the headline names the worst', () => {
    const of = (...list: ReturnType<typeof svc>[]) =>
      overallOf({
        services: Object.fromEntries(list.map((s) => [s.name, s])),
        order: list.map((s) => s.name),
        groups: {},
      });
    assert.equal(of().label, 'No services');
    assert.deepEqual(of(svc('a'), svc('b')), { tone: 'ok', label: 'All running', detail: '2 services' });
    assert.equal(of(svc('a'), svc('b', { state: 'stopped' })).label, '1 running, 1 stopped');
    assert.equal(of(svc('a', { health: 'degraded' }), svc('b')).tone, 'warn');
    const bad = of(svc('a', { state: 'crashloop' }), svc('b', { health: 'down' }), svc('c'));
    assert.deepEqual([bad.tone, bad.label, bad.detail], ['bad', '2 of 3 down', 'a, b']);
  });
});
