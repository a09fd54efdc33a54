/** The agent's tick with small fakes for the manager and journal, and a real SQLite store. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { ObservedStatus, ExitRecord } from '../../agent/core/observed.js';
import type { ServiceManager, InstalledUnit } from '../../agent/ports/service-manager.js';
import type { ExitJournal } from '../../agent/ports/exit-journal.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { runningService, serviceSpec } from '../helpers/observed.js';
import { intentKey } from '../../agent/core/intent.js';

const T0 = Date.UTC(2026, 10, 26, 12);

class FakeManager implements Pick<ServiceManager, 'status' | 'listInstalled'> {
  observed = new Map<string, ObservedStatus>();
  statusCalls = 0;
  installed: InstalledUnit[] = [];
  async status(names: readonly string[]) {
    this.statusCalls++;
    return names.map((n) => this.observed.get(n)!);
  }
  async listInstalled() {
    return this.installed;
  }
}

class FakeJournal implements ExitJournal {
  records: ExitRecord[] = [];
  async readSince(offset: number) {
    const recs = this.records.filter((r) => r.offset >= offset);
    return {
      records: recs,
      next: this.records.length ? Math.max(offset, ...this.records.map((r) => r.offset + 1)) : offset,
    };
  }
}

const spec = (name: string): ServiceSpec => serviceSpec(name, { credentials: [name] });

const running = (name: string, pid: number, restarts = 0): ObservedStatus =>
  runningService(name, pid, T0 + pid, restarts);

/** A service as apply leaves it in the store. */
function installed(store: SqliteStore, name: string): void {
  store.upsertService({
    name,
    unit: `vigil-${name}.service`,
    spec: spec(name),
    hash: 'h',
    installedAt: T0,
    updatedAt: T0,
  });
}

function setup(
  file: string,
  manager: FakeManager,
  journal: FakeJournal,
  clock: FakeClock,
  alive: (pid: number) => boolean = () => true,
) {
  const store = SqliteStore.open(file);
  const sup = new Supervisor({
    isAlive: alive,
    manager: manager as unknown as ServiceManager,
    store,
    journal,
    clock,
    logger: pino({ level: 'silent' }),
    readLogTail: async (s, n) => [`${s}: last line`, `n=${n}`],
  });
  return { store, sup };
}

describe('Supervisor tick', () => {
  it('one batched status call per tick; crash events carry the log tail; a new Supervisor on the same DB adds nothing twice', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new FakeManager();
    const journal = new FakeJournal();
    let { store, sup } = setup(file, manager, journal, clock);
    for (const n of ['a', 'b']) installed(store, n);
    manager.observed.set('a', running('a', 10));
    manager.observed.set('b', running('b', 20));
    const seen: string[] = [];
    sup.subscribe((e) => seen.push(e.type));
    const first = await sup.tick();
    assert.deepEqual(first.map((e) => `${e.service}:${e.type}`).sort(), ['a:started', 'b:started']);
    assert.equal(manager.statusCalls, 1, 'one call for both services');
    assert.deepEqual(
      sup.currentStatus().services.map((s) => [s.name, s.state, s.pid]),
      [
        ['a', 'running', 10],
        ['b', 'running', 20],
      ],
    );

    await clock.advance(1000);
    journal.records.push({
      offset: 0,
      at: T0 + 900,
      service: 'a',
      result: 'signal',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    manager.observed.set('a', running('a', 11, 1));
    const second = await sup.tick();
    assert.deepEqual(
      second.map((e) => e.type),
      ['crashed', 'restarted'],
    );
    assert.deepEqual(second[0]!.logTail, ['a: last line', 'n=20']);
    assert.deepEqual(
      seen,
      ['started', 'started', 'crashed', 'restarted'],
      'subscribers get every stored event once',
    );

    // The agent restarts: same database, nothing new happened → no events.
    store.close();
    ({ store, sup } = setup(file, manager, journal, clock));
    assert.deepEqual(await sup.tick(), []);
    assert.equal(store.queryEvents({ limit: 100 }).length, 4);
    store.close();
  });

  it('exits recorded while the agent was down are picked up once', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new FakeManager();
    const journal = new FakeJournal();
    let { store, sup } = setup(file, manager, journal, clock);
    installed(store, 'a');
    manager.observed.set('a', running('a', 10));
    await sup.tick();
    store.close();
    journal.records.push({
      offset: 0,
      at: T0 + 100,
      service: 'a',
      result: 'exit-code',
      how: 'exited',
      code: 2,
      signal: null,
    });
    manager.observed.set('a', running('a', 12, 1));
    ({ store, sup } = setup(file, manager, journal, clock));
    const evs = await sup.tick();
    assert.deepEqual(
      evs.map((e) => [e.type, e.exit?.code ?? null]),
      [
        ['crashed', 2],
        ['restarted', null],
      ],
    );
    assert.deepEqual(await sup.tick(), []);
    store.close();
  });

  it('a restart that finishes between the journal read and the status is an intended exit, never a kill', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new FakeManager();
    const journal = new FakeJournal();
    const { store, sup } = setup(file, manager, journal, clock);
    installed(store, 'a');
    manager.observed.set('a', running('a', 10));
    await sup.tick();
    clock.advance(5000);
    const intentAt = clock.now();
    store.setState(intentKey('a'), { action: 'restart', at: intentAt });
    // The old process's SIGTERM exit lands in the journal while the status call runs, and the status
    // already shows its successor (started after the intent).
    const status = manager.status.bind(manager);
    manager.status = async (names) => {
      journal.records.push({
        offset: 0,
        at: intentAt + 20,
        service: 'a',
        result: 'success',
        how: 'killed',
        code: null,
        signal: 'TERM',
      });
      manager.observed.set('a', runningService('a', 11, intentAt + 40, 0));
      return status(names);
    };
    const evs = [...(await sup.tick({ full: true }))];
    manager.status = status;
    clock.advance(5000);
    evs.push(...(await sup.tick({ full: true })));
    assert.deepEqual(
      evs.filter((e) => e.type === 'killed' || e.type === 'crashed').map((e) => e.message),
      [],
    );
    store.close();
  });

  it('drift is checked on its own interval', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new FakeManager();
    const { store, sup } = setup(file, manager, new FakeJournal(), clock);
    installed(store, 'a');
    manager.observed.set('a', running('a', 10));
    await sup.tick();
    manager.installed = [
      {
        service: 'a',
        unit: 'vigil-a.service',
        path: '/x',
        content: '',
        recordedHash: 'h',
        actualHash: 'edited',
        drifted: true,
      },
    ];
    await clock.advance(1000);
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      [],
      'not re-read within 10 s',
    );
    await clock.advance(10_000);
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['drift'],
    );
    assert.equal(sup.currentStatus().services[0]!.drifted, true);
    store.close();
  });

  it('between full polls a tick only checks the journal and PIDs; an exit, a dead PID or 5 s make it poll', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new FakeManager();
    const journal = new FakeJournal();
    const dead = new Set<number>();
    const { store, sup } = setup(file, manager, journal, clock, (pid) => !dead.has(pid));
    installed(store, 'a');
    manager.observed.set('a', running('a', 10));
    await sup.tick();
    assert.equal(manager.statusCalls, 1);
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      await sup.tick();
    }
    assert.equal(manager.statusCalls, 1, 'steady and alive: no manager call');
    dead.add(10);
    manager.observed.set('a', { ...running('a', 10), active: 'activating', sub: 'auto-restart', pid: null });
    await clock.advance(1000);
    await sup.tick();
    assert.equal(manager.statusCalls, 2, 'dead main PID: poll');
    manager.observed.set('a', running('a', 11, 1));
    await clock.advance(1000);
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['restarted'],
      'in transition: poll every tick',
    );
    assert.equal(manager.statusCalls, 3);
    await clock.advance(1000);
    await sup.tick();
    assert.equal(manager.statusCalls, 3);
    await clock.advance(5000);
    await sup.tick();
    assert.equal(manager.statusCalls, 4, 'full poll after 5 s');
    journal.records.push({
      offset: 0,
      at: clock.now(),
      service: 'a',
      result: 'exit-code',
      how: 'exited',
      code: 1,
      signal: null,
    });
    await clock.advance(100);
    await sup.tick();
    assert.equal(manager.statusCalls, 5, 'a new exit record: poll');
    await sup.tick({ full: true });
    assert.equal(manager.statusCalls, 6, 'forced');
    store.close();
  });
});
