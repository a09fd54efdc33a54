/**
 * The disk-full condition: classification of real SQLite errors, the state machine, the supervisor
 * keeping a tick's work until it can be stored, and the DiskWatch's events and alerts. A real "database
 * or disk is full" comes from SQLite's own max_page_count limit on a real database file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { DiskWatch } from '../../agent/app/disk-watch.js';
import {
  DiskCondition,
  describeWriteFailure,
  isDiskFullError,
  type SpaceInfo,
} from '../../agent/core/disk/condition.js';
import type { Notification } from '../../agent/core/alerts/model.js';
import type { ObservedStatus, ExitRecord } from '../../agent/core/observed.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { ExitJournal } from '../../agent/ports/exit-journal.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { runningService, serviceSpec } from '../helpers/observed.js';

const T0 = Date.UTC(2026, 11, 2, 12);
const MiB = 1024 * 1024;

/** Fills the database: SQLite refuses to grow it past its current size ("database or disk is full"). */
function fill(store: SqliteStore): void {
  const pages = store.db.pragma('page_count', { simple: true }) as number;
  store.db.pragma(`max_page_count = ${pages}`);
  // Use up the free pages and the room left in them too, so the very next write needs a new page.
  let n = 0;
  for (const size of [3000, 400, 60, 1]) {
    try {
      for (let i = 0; i < 100_000; i++) store.setState(`f${n++}`, 'x'.repeat(size));
    } catch (err) {
      assert.ok(isDiskFullError(err), `expected SQLITE_FULL, got ${(err as Error).message}`);
      continue;
    }
    assert.fail('the database never filled');
  }
}

function free(store: SqliteStore): void {
  store.db.pragma('max_page_count = 1073741823');
}

function sqliteFullError(): Error {
  const store = SqliteStore.open(tempDbPath());
  try {
    fill(store);
    store.setState('one more', 'x'.repeat(5000));
  } catch (err) {
    return err as Error;
  } finally {
    store.close();
  }
  throw new Error('no error');
}

describe('disk-full classification', () => {
  it('a real SQLITE_FULL, SQLITE_IOERR and ENOSPC are the condition; a busy database or a bad query are not', () => {
    const full = sqliteFullError();
    assert.equal((full as { code?: string }).code, 'SQLITE_FULL');
    assert.ok(isDiskFullError(full));
    assert.ok(isDiskFullError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })));
    assert.ok(isDiskFullError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })));
    assert.ok(
      isDiskFullError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })),
    );
    assert.ok(isDiskFullError(new Error('wrapped', { cause: full })), 'looks through causes');
    assert.ok(!isDiskFullError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })));
    assert.ok(!isDiskFullError(Object.assign(new Error('no such table: x'), { code: 'SQLITE_ERROR' })));
    assert.ok(!isDiskFullError('a string'));
  });

  it('the message names what failed, the error and the space left', () => {
    const space: SpaceInfo = { path: '/h', freeBytes: 0, totalBytes: 20 * MiB };
    assert.equal(
      describeWriteFailure('the database /h/vigil.db', sqliteFullError(), space),
      'cannot write the database /h/vigil.db: SQLITE_FULL: database or disk is full; 0 B free of 20.0 MiB on /h',
    );
  });

  it('the state: entered on a failure or no free space, cleared only by a write with room again', () => {
    const c = new DiskCondition();
    const full: SpaceInfo = { path: '/h', freeBytes: 4096, totalBytes: 20 * MiB };
    const roomy: SpaceInfo = { path: '/h', freeBytes: 10 * MiB, totalBytes: 20 * MiB };
    assert.equal(c.observed(roomy, T0), null);
    assert.equal(c.view({ events: 0, exits: 0 }).state, 'ok');
    assert.equal(c.failed('the database', sqliteFullError(), full, T0 + 1)?.kind, 'full');
    assert.equal(c.failed('the database', sqliteFullError(), full, T0 + 2), null, 'begins once');
    assert.equal(
      c.wrote(full, T0 + 3),
      null,
      'a write into an already allocated page on a full disk does not clear it',
    );
    const v = c.view({ events: 3, exits: 0 });
    assert.deepEqual(
      [v.state, v.since, v.failures, v.pendingEvents, v.freeBytes],
      ['disk-full', new Date(T0 + 1).toISOString(), 2, 3, 4096],
    );
    const cleared = c.wrote(roomy, T0 + 5000);
    assert.deepEqual(cleared?.kind === 'cleared' ? [cleared.since, cleared.failures] : cleared, [T0 + 1, 2]);
    assert.equal(c.view({ events: 0, exits: 0 }).state, 'ok');
    assert.equal(
      c.observed(full, T0 + 6000)?.kind,
      'full',
      'no free space at all begins it without a failed write',
    );
  });
});

const spec = (name: string): ServiceSpec => serviceSpec(name);

const running = (name: string, pid: number, restarts = 0): ObservedStatus =>
  runningService(name, pid, T0 + pid, restarts);

describe('the supervisor on a full database', () => {
  it('keeps serving the status, records each crash exactly once after space returns, and keeps out-of-tick events', async () => {
    const store = SqliteStore.open(tempDbPath());
    const clock = new FakeClock(T0);
    const observed = new Map<string, ObservedStatus>([['a', running('a', 10)]]);
    const records: ExitRecord[] = [];
    const journal: ExitJournal = {
      async readSince(offset) {
        const recs = records.filter((r) => r.offset >= offset);
        return {
          records: recs,
          next: records.length ? Math.max(offset, ...records.map((r) => r.offset + 1)) : offset,
        };
      },
    };
    const failures: string[] = [];
    const sup = new Supervisor({
      manager: {
        status: async (names: readonly string[]) => names.map((n) => observed.get(n)!),
        listInstalled: async () => [],
      } as unknown as ServiceManager,
      store,
      journal,
      clock,
      logger: pino({ level: 'silent' }),
      readLogTail: async () => [],
      onDiskFull: (what) => failures.push(what),
    });
    store.upsertService({
      name: 'a',
      unit: 'vigil-a.service',
      spec: spec('a'),
      hash: 'h',
      installedAt: T0,
      updatedAt: T0,
    });
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['started'],
    );

    fill(store);
    records.push({
      offset: 0,
      at: T0 + 900,
      service: 'a',
      result: 'signal',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    observed.set('a', running('a', 11, 1));
    await clock.advance(1000);
    assert.deepEqual(await sup.tick(), [], 'nothing stored while full');
    assert.deepEqual(
      sup.currentStatus().services.map((s) => [s.state, s.pid, s.restarts]),
      [['running', 11, 1]],
      'the status is fresh all the same',
    );
    // (a long message: SQLite's page limit, unlike a full disk, still lets a short row into a page's free bytes)
    assert.deepEqual(
      sup.record([
        {
          key: 'agent-started:1',
          at: T0 + 1000,
          service: null,
          type: 'agent-started',
          severity: 'info',
          message: 'started'.padEnd(5000, '.'),
        },
      ]),
      [],
    );
    assert.deepEqual(sup.pendingEvents(), { waiting: 1, dropped: 0 });
    await clock.advance(1000);
    assert.deepEqual(await sup.tick(), [], 'still full: retried, nothing stored');
    assert.deepEqual(failures, [
      'the database (supervisor tick)',
      'the database (events)',
      'the database (supervisor tick)',
    ]);

    free(store);
    await clock.advance(1000);
    const stored = await sup.tick();
    assert.deepEqual(
      stored.map((e) => e.type),
      ['agent-started', 'crashed', 'restarted'],
    );
    assert.deepEqual(sup.pendingEvents(), { waiting: 0, dropped: 0 });
    await clock.advance(1000);
    assert.deepEqual(await sup.tick(), []);
    assert.deepEqual(
      store.queryEvents({ limit: 100 }).map((e) => e.type),
      ['started', 'crashed', 'agent-started', 'restarted'],
      'each once, in time order',
    );
    store.close();
  });

  it('close() on a full database does not throw (PRAGMA optimize is only a hint)', () => {
    const store = SqliteStore.open(tempDbPath());
    fill(store);
    assert.doesNotThrow(() => store.close());
  });
});

describe('DiskWatch', () => {
  it('raises a critical alert (straight to the channels while the queue cannot be written), stores its events and a recovery once space is back', async () => {
    const store = SqliteStore.open(tempDbPath());
    const clock = new FakeClock(T0);
    let space: SpaceInfo = { path: '/h', freeBytes: 0, totalBytes: 20 * MiB };
    const recorded: string[] = [];
    const queued: Notification[] = [];
    const direct: Notification[] = [];
    const logs: string[] = [];
    const disk = new DiskWatch({
      store,
      space: { space: () => space },
      clock,
      home: '/h',
      record: (events) => recorded.push(...events.map((e) => `${e.type}@${e.at - T0}`)),
      pendingEvents: () => 7,
      log: (_level, msg) => logs.push(msg),
    });
    disk.bindAlerts({
      notify: (n) => {
        store.setState(`queued.${n.id}`, n.kind); // the alert queue lives in the same database
        queued.push(n);
      },
      sendNow: async (n) => {
        direct.push(n);
        return true;
      },
    });
    fill(store);
    assert.equal(disk.failed('the database (supervisor tick)', sqliteFullError()), true);
    assert.equal(
      disk.failed('the database', new Error('no such table')),
      false,
      'other errors are not the condition',
    );
    const v = disk.view();
    assert.deepEqual([v.state, v.pendingEvents, v.what], ['disk-full', 7, 'the database (supervisor tick)']);
    assert.match(
      v.message ?? '',
      /^cannot write the database \(supervisor tick\): SQLITE_FULL: database or disk is full; 0 B free of 20\.0 MiB on \/h$/,
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      direct.map((n) => [n.kind, n.severity, n.title]),
      [['firing', 'critical', 'Vigil: disk full']],
    );
    assert.equal(queued.length, 0);

    await clock.advance(1000);
    disk.tick();
    assert.equal(disk.isFull(), true, 'the probe write still fails');
    assert.deepEqual(recorded, []);

    free(store);
    space = { path: '/h', freeBytes: 5 * MiB, totalBytes: 20 * MiB };
    await clock.advance(1000);
    disk.tick();
    assert.equal(disk.view().state, 'ok');
    assert.deepEqual(recorded, ['disk-full@0', 'disk-recovered@2000']);
    assert.deepEqual(
      queued.map((n) => n.kind),
      ['resolved'],
      'the firing notice went out directly, so only the recovery is queued',
    );
    assert.ok(
      logs.some((l) => l.startsWith('disk full: cannot write')) &&
        logs.some((l) => l.startsWith('disk-full cleared after 2 s')),
    );
    store.close();
  });

  it('when the channels cannot be reached either, the alert is kept and queued before its recovery', async () => {
    const store = SqliteStore.open(tempDbPath());
    const clock = new FakeClock(T0);
    let space: SpaceInfo = { path: '/h', freeBytes: 0, totalBytes: 20 * MiB };
    const queued: string[] = [];
    const disk = new DiskWatch({
      store,
      space: { space: () => space },
      clock,
      home: '/h',
      record: () => undefined,
      pendingEvents: () => 0,
      log: () => undefined,
    });
    disk.bindAlerts({
      notify: (n) => {
        store.setState(`queued.${n.id}`, n.kind);
        queued.push(n.kind);
      },
      sendNow: async () => false,
    });
    fill(store);
    disk.tick();
    assert.equal(disk.isFull(), true, 'no free space: the condition without any failed write');
    free(store);
    space = { path: '/h', freeBytes: 5 * MiB, totalBytes: 20 * MiB };
    await clock.advance(1000);
    disk.tick();
    assert.deepEqual(queued, ['firing', 'resolved']);
    store.close();
  });
});
