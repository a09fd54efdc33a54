import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { decodeSpec, encodeSpec } from '../../agent/adapters/sqlite/codec.js';
import type { NewEvent } from '../../agent/core/events.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { tempDbPath as tempDb } from '../helpers/temp-db.js';

function ev(key: string, at: number, extra: Partial<NewEvent> = {}): NewEvent {
  return { key, at, service: 'api', type: 'started', severity: 'info', message: `event ${key}`, ...extra };
}

const spec: ServiceSpec = {
  name: 'api',
  description: undefined,
  command: ['/usr/bin/python3', '-m', 'api'],
  cwd: '/srv/api',
  env: { PORT: '8080' },
  credentials: ['api'],
  dependsOn: [],
  restart: { policy: 'always', delaySec: 2, burst: 5, intervalSec: 60 },
  health: undefined,
  metrics: { url: 'http://127.0.0.1:8080/metrics' },
  limits: { memoryBytes: 512 * 1024 * 1024, cpuPercent: undefined },
};

test('appendEvents dedupes by key, also across close and re-open', () => {
  const file = tempDb();
  let store = SqliteStore.open(file);
  const first = store.appendEvents([
    ev('a', 1000),
    ev('b', 2000, {
      exit: { code: 3, signal: null, result: 'exit-code', reason: 'exited with code 3' },
      logTail: ['x', 'y'],
      data: { n: 1 },
    }),
  ]);
  assert.deepEqual(
    first.map((e) => [e.id, e.key]),
    [
      [1, 'a'],
      [2, 'b'],
    ],
  );
  assert.deepEqual(store.appendEvents([ev('a', 1000)]), []);
  store.close();
  store = SqliteStore.open(file);
  assert.deepEqual(store.appendEvents([ev('b', 2000), ev('a', 1000)]), []);
  const mixed = store.appendEvents([ev('a', 1000), ev('c', 3000)]);
  assert.deepEqual(
    mixed.map((e) => e.key),
    ['c'],
  );
  const all = store.queryEvents({});
  assert.equal(all.length, 3);
  assert.deepEqual(all[1], {
    id: 2,
    ...ev('b', 2000, {
      exit: { code: 3, signal: null, result: 'exit-code', reason: 'exited with code 3' },
      logTail: ['x', 'y'],
      data: { n: 1 },
    }),
  });
  assert.deepEqual(all[0], { id: 1, ...ev('a', 1000) }); // optional fields absent, not null
  assert.deepEqual(first[1], all[1]); // what append returns is what query returns
  store.close();
});

test('queryEvents filters by since, afterId, service, types and limit (newest N, oldest first)', () => {
  const store = SqliteStore.open(tempDb());
  const events: NewEvent[] = [];
  for (let i = 1; i <= 30; i++) {
    events.push(
      ev(`k${i}`, i * 100, {
        service: i % 3 === 0 ? 'db' : 'api',
        type: i % 2 === 0 ? 'crashed' : 'started',
      }),
    );
  }
  store.appendEvents(events);
  const keys = (q: Parameters<typeof store.queryEvents>[0]) => store.queryEvents(q).map((e) => e.key);
  assert.deepEqual(keys({ limit: 3 }), ['k28', 'k29', 'k30']);
  assert.deepEqual(keys({ since: 2800 }), ['k28', 'k29', 'k30']);
  assert.deepEqual(keys({ afterId: 27 }), ['k28', 'k29', 'k30']);
  assert.deepEqual(keys({ service: 'db', limit: 2 }), ['k27', 'k30']);
  assert.deepEqual(keys({ types: ['crashed'], since: 2500 }), ['k26', 'k28', 'k30']);
  assert.deepEqual(keys({ types: ['crashed', 'started'], service: 'db', afterId: 20 }), [
    'k21',
    'k24',
    'k27',
    'k30',
  ]);
  assert.deepEqual(keys({ types: ['oom-killed'] }), []);
  assert.equal(store.queryEvents({}).length, 30);
  assert.equal(store.queryEvents({ limit: 0 }).length, 0);
  assert.equal(store.queryEvents({ limit: 1e9 }).length, 30);
  // newest by time, not by insertion: a late-recorded old event sorts into place
  store.appendEvents([ev('late', 150)]);
  assert.deepEqual(keys({ limit: 2, since: 0, service: 'api' }), ['k28', 'k29']);
  assert.deepEqual(keys({ since: 100, limit: 40 }).slice(0, 3), ['k1', 'late', 'k2']);
  store.close();
});

test('queryEvents defaults to 200 and caps the limit at 10,000', () => {
  const store = SqliteStore.open(tempDb());
  store.appendEvents(Array.from({ length: 10_050 }, (_, i) => ev(`e${i}`, i)));
  const def = store.queryEvents({});
  assert.equal(def.length, 200);
  assert.equal(def[0]!.key, 'e9850');
  assert.equal(def.at(-1)!.key, 'e10049');
  assert.equal(store.queryEvents({ limit: 20_000 }).length, 10_000);
  store.close();
});

test('services: upsert, list, remove; the spec round-trips exactly', () => {
  const file = tempDb();
  let store = SqliteStore.open(file);
  store.upsertService({
    name: 'api',
    unit: 'vigil-api.service',
    spec,
    hash: 'h1',
    installedAt: 10,
    updatedAt: 10,
  });
  store.upsertService({
    name: 'db',
    unit: 'vigil-db.service',
    spec: { ...spec, name: 'db' },
    hash: 'h2',
    installedAt: 20,
    updatedAt: 20,
  });
  store.close();
  store = SqliteStore.open(file);
  const listed = store.listServices();
  assert.deepEqual(
    listed.map((s) => s.name),
    ['api', 'db'],
  );
  assert.deepStrictEqual(listed[0]!.spec, spec);
  const changed: ServiceSpec = {
    ...spec,
    env: { PORT: '9090' },
    health: { probe: { kind: 'http', url: 'http://127.0.0.1:9090/health' }, intervalSec: 10, timeoutSec: 2 },
  };
  store.upsertService({
    name: 'api',
    unit: 'vigil-api.service',
    spec: changed,
    hash: 'h3',
    installedAt: 99,
    updatedAt: 30,
  });
  const api = store.listServices().find((s) => s.name === 'api')!;
  assert.deepStrictEqual(api, {
    name: 'api',
    unit: 'vigil-api.service',
    spec: changed,
    hash: 'h3',
    installedAt: 10,
    updatedAt: 30,
  });
  store.removeService('api');
  store.removeService('nope');
  assert.deepEqual(
    store.listServices().map((s) => s.name),
    ['db'],
  );
  store.close();
});

test('state: get/set JSON round-trip, overwrite, delete with undefined', () => {
  const file = tempDb();
  let store = SqliteStore.open(file);
  assert.equal(store.getState('x'), undefined);
  const value = { offset: 123, nested: { list: [1, 'two', null, true] }, s: 'é"\\' };
  store.setState('x', value);
  store.setState('n', 0);
  store.setState('nul', null);
  store.close();
  store = SqliteStore.open(file);
  assert.deepEqual(store.getState('x'), value);
  assert.equal(store.getState('n'), 0);
  assert.equal(store.getState('nul'), null);
  store.setState('x', 'replaced');
  assert.equal(store.getState('x'), 'replaced');
  store.setState('x', undefined);
  assert.equal(store.getState('x'), undefined);
  store.close();
});

test('transaction: a throw rolls back everything, nested savepoints included', () => {
  const store = SqliteStore.open(tempDb());
  assert.throws(
    () =>
      store.transaction(() => {
        store.appendEvents([ev('t1', 1)]);
        store.setState('s', 1);
        store.upsertService({ name: 'api', unit: 'u', spec, hash: 'h', installedAt: 1, updatedAt: 1 });
        store.transaction(() => store.setState('inner', true));
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.deepEqual(store.queryEvents({}), []);
  assert.equal(store.getState('s'), undefined);
  assert.equal(store.getState('inner'), undefined);
  assert.deepEqual(store.listServices(), []);
  // a failing inner transaction rolls back only itself when the outer one catches
  const result = store.transaction(() => {
    store.setState('outer', 1);
    try {
      store.transaction(() => {
        store.setState('inner', 2);
        throw new Error('inner');
      });
    } catch {
      // expected
    }
    return store.appendEvents([ev('t2', 2)]).length;
  });
  assert.equal(result, 1);
  assert.equal(store.getState('outer'), 1);
  assert.equal(store.getState('inner'), undefined);
  assert.equal(store.queryEvents({}).length, 1);
  store.close();
});

test('listServices is cached, yet sees every change: its own writes, a rolled-back transaction, another connection', () => {
  const file = tempDb();
  const store = SqliteStore.open(file);
  const other = SqliteStore.open(file); // `vigil apply` in another process
  try {
    const record = (name: string, hash: string) => ({
      name,
      unit: `vigil-${name}.service`,
      spec: { ...spec, name },
      hash,
      installedAt: 1,
      updatedAt: 1,
    });
    store.upsertService(record('api', 'h1'));
    const first = store.listServices();
    assert.equal(store.listServices()[0], first[0], 'the same decoded record while nothing changed');
    assert.ok(
      Object.isFrozen(first[0]) && Object.isFrozen(first[0]!.spec.command),
      'shared records are frozen',
    );
    assert.throws(
      () =>
        store.transaction(() => {
          store.upsertService(record('tmp', 'h'));
          assert.deepEqual(
            store.listServices().map((s) => s.name),
            ['api', 'tmp'],
            'visible inside the transaction',
          );
          throw new Error('roll back');
        }),
      /roll back/,
    );
    assert.deepEqual(
      store.listServices().map((s) => s.name),
      ['api'],
      'gone after the rollback',
    );
    other.upsertService(record('db', 'h2'));
    assert.deepEqual(
      store.listServices().map((s) => s.name),
      ['api', 'db'],
      "another connection's commit is seen",
    );
    other.removeService('api');
    assert.deepEqual(
      store.listServices().map((s) => s.name),
      ['db'],
    );
    store.upsertService(record('db', 'h3'));
    assert.equal(store.listServices()[0]!.hash, 'h3', 'its own write is seen');
  } finally {
    other.close();
    store.close();
  }
});

test('a service record stored before probe kinds (health.url) reads back as an http probe', () => {
  const legacy = JSON.stringify({
    ...spec,
    health: { url: 'http://127.0.0.1:8080/health', intervalSec: 5, timeoutSec: 1, stableSec: null },
  });
  assert.deepStrictEqual(decodeSpec(legacy).health, {
    probe: { kind: 'http', url: 'http://127.0.0.1:8080/health' },
    intervalSec: 5,
    timeoutSec: 1,
    stableSec: undefined,
  });
  const tcp: ServiceSpec = {
    ...spec,
    health: {
      probe: { kind: 'tcp', host: '127.0.0.1', port: 6379 },
      intervalSec: 5,
      timeoutSec: 1,
      restartAfterFailures: 3,
    },
  };
  assert.deepStrictEqual(decodeSpec(encodeSpec(tcp)), tcp);
});
