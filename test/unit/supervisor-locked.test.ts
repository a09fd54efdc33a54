/**
 * The tick while another process holds the database locked (a second real SQLite connection in
 * BEGIN EXCLUSIVE): the status follows the manager at once, the tick never waits long, and the events
 * land (once) when the lock is gone, or are derived again by the next agent if this one dies first.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import BetterSqlite3 from 'better-sqlite3';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { WriteQueue } from '../../agent/daemon/write-queue.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { shortenBusyWait } from '../../agent/adapters/sqlite/busy.js';
import { isStoreBusy } from '../../agent/core/errors.js';
import type { ObservedStatus, ExitRecord } from '../../agent/core/observed.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import type { ExitJournal } from '../../agent/ports/exit-journal.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath } from '../helpers/temp-db.js';

const T0 = Date.UTC(2026, 11, 2, 12);

const spec = (name: string): ServiceSpec => ({
  name,
  description: undefined,
  command: ['/bin/true'],
  cwd: undefined,
  env: {},
  credentials: [name],
  dependsOn: [],
  restart: { policy: 'on-failure', delaySec: 1, burst: 3, intervalSec: 60 },
  health: undefined,
  metrics: undefined,
  limits: { memoryBytes: undefined, cpuPercent: undefined },
});

const observed = (name: string, active: ObservedStatus['active'], pid: number | null): ObservedStatus => ({
  service: name,
  unit: `vigil-${name}.service`,
  loaded: true,
  active,
  sub: active === 'active' ? 'running' : 'failed',
  pid,
  restarts: 0,
  result: active === 'failed' ? 'signal' : 'success',
  lastExit: null,
  since: T0,
  memoryBytes: null,
  cpuNsec: null,
});

function agent(file: string, state: { observed: ObservedStatus; exits: ExitRecord[] }) {
  const store = SqliteStore.open(file);
  shortenBusyWait(store.db, 20);
  const retries: Array<() => void> = [];
  const writes = new WriteQueue({
    isRetryable: isStoreBusy,
    schedule: (fn) => (retries.push(fn), () => undefined),
  });
  const journal: ExitJournal = {
    async readSince(offset) {
      const records = state.exits.filter((r) => r.offset >= offset);
      return { records, next: Math.max(offset, ...state.exits.map((r) => r.offset + 1)) };
    },
  };
  const manager = {
    status: async () => [state.observed],
    listInstalled: async () => [],
  } as unknown as ServiceManager;
  const sup = new Supervisor({
    manager,
    store,
    journal,
    clock: new FakeClock(T0),
    logger: pino({ level: 'silent' }),
    readLogTail: async () => ['last'],
    writes,
  });
  return { store, sup, writes, retries };
}

function holdLock(file: string): BetterSqlite3.Database {
  const other = new BetterSqlite3(file);
  other.exec('BEGIN EXCLUSIVE');
  return other;
}

describe('Supervisor with the database locked by another process', () => {
  it('shows the crash at once, waits for no lock, and stores the events once when the lock goes', async () => {
    const file = tempDbPath();
    const state = { observed: observed('a', 'active', 10), exits: [] as ExitRecord[] };
    const { store, sup, writes, retries } = agent(file, state);
    store.upsertService({
      name: 'a',
      unit: 'vigil-a.service',
      spec: spec('a'),
      hash: 'h',
      installedAt: T0,
      updatedAt: T0,
    });
    await sup.tick();
    const published: string[] = [];
    sup.subscribe((e) => published.push(e.type));

    const other = holdLock(file);
    state.exits.push({
      offset: 0,
      at: T0 + 500,
      service: 'a',
      result: 'signal',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    state.observed = observed('a', 'failed', null);
    const t0 = performance.now();
    assert.deepEqual(await sup.tick(), [], 'nothing stored while locked');
    assert.ok(
      performance.now() - t0 < 500,
      `the tick did not wait for the lock (${Math.round(performance.now() - t0)} ms)`,
    );
    assert.equal(
      sup.currentStatus().services[0]!.state,
      'failed',
      'the status follows the manager, not the write',
    );
    assert.equal(writes.pending, 1);
    await sup.tick(); // another tick while locked: still one waiting write
    assert.equal(writes.pending, 1);
    assert.deepEqual(published, []);
    retries.shift()!(); // a retry while still locked
    assert.equal(writes.pending, 1);

    other.exec('COMMIT');
    other.close();
    retries.shift()!();
    assert.equal(writes.pending, 0);
    assert.deepEqual(published, ['crashed'], 'published once, when stored');
    assert.deepEqual(
      store.queryEvents({ types: ['crashed'] }).map((e) => e.exit?.signal),
      ['SIGKILL'],
    );
    await sup.tick();
    assert.equal(store.queryEvents({ types: ['crashed'] }).length, 1, 'not stored twice');
    store.close();
  });

  it('an agent that dies while its write waits loses nothing: the next one derives the same events', async () => {
    const file = tempDbPath();
    const state = { observed: observed('a', 'active', 10), exits: [] as ExitRecord[] };
    const first = agent(file, state);
    first.store.upsertService({
      name: 'a',
      unit: 'vigil-a.service',
      spec: spec('a'),
      hash: 'h',
      installedAt: T0,
      updatedAt: T0,
    });
    await first.sup.tick();
    const other = holdLock(file);
    state.exits.push({
      offset: 0,
      at: T0 + 500,
      service: 'a',
      result: 'exit-code',
      how: 'exited',
      code: 3,
      signal: null,
    });
    state.observed = observed('a', 'failed', null);
    await first.sup.tick();
    assert.equal(first.writes.pending, 1);
    first.writes.close();
    // The agent is gone, its waiting write with it. (close's PRAGMA optimize meets the lock too, and is
    // skipped: closing never throws.)
    first.store.close();
    assert.equal(first.store.db.open, false);
    other.exec('COMMIT');
    other.close();

    const second = agent(file, state);
    await second.sup.tick();
    assert.deepEqual(
      second.store.queryEvents({ types: ['crashed'] }).map((e) => e.exit?.code),
      [3],
    );
    second.store.close();
  });
});
