/** The agent's tick with small fakes for the manager and journal, and a real SQLite store. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { ObservedStatus, ExitRecord } from '../../agent/core/observed.js';
import type { ServiceManager, InstalledUnit, UnitChangeHandler } from '../../agent/ports/service-manager.js';
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
  extra: Partial<ConstructorParameters<typeof Supervisor>[0]> = {},
) {
  const store = SqliteStore.open(file);
  const sup = new Supervisor({
    ...extra,
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

  it('between full polls a tick reads the journal only; an exit is an event before any manager call; a transition or 5 s make it poll', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new FakeManager();
    const journal = new FakeJournal();
    const { store, sup } = setup(file, manager, journal, clock);
    installed(store, 'a');
    manager.observed.set('a', running('a', 10));
    await sup.tick();
    assert.equal(manager.statusCalls, 1);
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      await sup.tick();
    }
    assert.equal(manager.statusCalls, 1, 'steady: no manager call, no PID check');
    const seen: string[] = [];
    let callsWhenCrashed = -1;
    sup.subscribe((e) => {
      seen.push(e.type);
      if (e.type === 'crashed') callsWhenCrashed = manager.statusCalls;
    });
    journal.records.push({
      offset: 0,
      at: clock.now(),
      service: 'a',
      result: 'signal',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    manager.observed.set('a', { ...running('a', 10), active: 'activating', sub: 'auto-restart', pid: null });
    await clock.advance(100);
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['crashed'],
    );
    assert.equal(callsWhenCrashed, 1, 'the crash was published before the manager was asked');
    assert.equal(manager.statusCalls, 2, 'without push, the exit makes the tick poll after its event');
    manager.observed.set('a', running('a', 11, 1));
    await clock.advance(1000);
    assert.equal(sup.nextTickInMs(clock.now()), 1000, 'in transition: a tick within a second');
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['restarted'],
      'in transition: poll every tick',
    );
    assert.equal(manager.statusCalls, 3);
    await clock.advance(1000);
    await sup.tick();
    assert.equal(manager.statusCalls, 3);
    assert.equal(sup.nextTickInMs(clock.now()), 4000, 'steady again: the next poll is due in 4 s');
    await clock.advance(5000);
    await sup.tick();
    assert.equal(manager.statusCalls, 4, 'full poll after 5 s');
    await sup.tick({ full: true });
    assert.equal(manager.statusCalls, 5, 'forced');
    assert.deepEqual(seen, ['crashed', 'restarted']);
    store.close();
  });

  it('with pushed unit changes: no poll but a reconciliation, a changed unit is refreshed off the tick, a lost subscription polls again', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new WatchingManager();
    const journal = new FakeJournal();
    let wakes = 0;
    const { store, sup } = setup(file, manager, journal, clock, { wake: () => wakes++ });
    for (const n of ['a', 'b']) installed(store, n);
    manager.observed.set('a', running('a', 10));
    manager.observed.set('b', running('b', 20));
    await sup.tick();
    const stop = sup.startWatching();
    manager.handler!.up();
    await settle();
    assert.equal(sup.pushed, true);
    assert.deepEqual(manager.followed, [['a', 'b']], 'the subscription follows the services there are');
    assert.deepEqual(manager.calls.at(-1), ['a', 'b'], 'the subscription reconciles every unit');
    assert.equal(wakes, 1);
    const calls = manager.calls.length;
    for (let i = 0; i < 10; i++) {
      await clock.advance(10_000);
      await sup.tick();
    }
    assert.equal(manager.calls.length, calls, 'pushed: 100 s without any manager call');
    assert.ok(sup.nextTickInMs(clock.now()) > 60_000, 'nothing due before the reconciliation');

    // A crash: the exit's event comes from the journal; the restart from the push.
    journal.records.push({
      offset: 0,
      at: clock.now(),
      service: 'a',
      result: 'signal',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['crashed'],
    );
    assert.equal(manager.calls.length, calls, 'the exit needed no manager call');
    manager.observed.set('a', running('a', 11, 1));
    manager.handler!.changed(['a', 'not-ours']);
    await settle();
    assert.deepEqual(manager.calls.at(-1), ['a'], 'only the changed unit of ours is refreshed');
    assert.equal(wakes, 2);
    assert.equal(sup.nextTickInMs(clock.now()), 0, 'a refreshed observation waits: tick now');
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['restarted'],
    );
    assert.equal(manager.calls.length, calls + 1, 'the tick used the refreshed observation');

    await clock.advance(300_000);
    await sup.tick();
    assert.deepEqual(manager.calls.at(-1), ['a', 'b'], 'the rare reconciliation');

    // The subscription drops: back to polling until it is up again.
    manager.handler!.down(new Error('connection reset'));
    assert.equal(sup.pushed, false);
    assert.equal(wakes, 3);
    const before = manager.calls.length;
    await clock.advance(5000);
    await sup.tick();
    assert.equal(manager.calls.length, before + 1, 'polled 5 s after the subscription was lost');
    manager.observed.set('b', { ...running('b', 20), active: 'failed', sub: 'failed', pid: null });
    manager.handler!.up();
    await settle();
    assert.deepEqual(
      (await sup.tick()).map((e) => `${e.service}:${e.type}`),
      [],
      'b failed while the subscription was down: reconciled (a failure without an exit record is no event)',
    );
    assert.equal(sup.currentStatus().services.find((s) => s.name === 'b')!.state, 'failed');
    stop();
    assert.equal(manager.closed, true);
    store.close();
  });
  it('with push: an exit, or a unit in transition, with no pushed change for 5 s is polled (a missed signal)', async () => {
    const file = tempDbPath();
    const clock = new FakeClock(T0);
    const manager = new WatchingManager();
    const journal = new FakeJournal();
    const { store, sup } = setup(file, manager, journal, clock, { wake: () => undefined });
    for (const n of ['a', 'b']) installed(store, n);
    manager.observed.set('a', running('a', 10));
    manager.observed.set('b', running('b', 20));
    await sup.tick();
    const stop = sup.startWatching();
    manager.handler!.up();
    await settle();
    await sup.tick();
    const calls = manager.calls.length;
    assert.ok(sup.nextTickInMs(clock.now()) > 60_000, 'all steady: nothing due');
    journal.records.push({
      offset: 0,
      at: clock.now(),
      service: 'a',
      result: 'signal',
      how: 'killed',
      code: null,
      signal: 'SIGKILL',
    });
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['crashed'],
    );
    assert.equal(manager.calls.length, calls, 'the exit alone: no manager call');
    assert.equal(sup.nextTickInMs(clock.now()), 5000, 'the push of what followed is awaited 5 s');
    manager.observed.set('a', { ...running('a', 10), active: 'activating', sub: 'auto-restart', pid: null });
    await clock.advance(4999);
    await sup.tick();
    assert.equal(manager.calls.length, calls, 'not yet stale');
    await clock.advance(1);
    await sup.tick();
    assert.equal(manager.calls.length, calls + 1, 'no push came: polled');
    assert.equal(sup.currentStatus().services.find((s) => s.name === 'a')!.state, 'starting');
    assert.equal(sup.nextTickInMs(clock.now()), 5000, 'in transition, still no push: again in 5 s');
    manager.observed.set('a', running('a', 11, 1));
    await clock.advance(5000);
    assert.deepEqual(
      (await sup.tick()).map((e) => e.type),
      ['restarted'],
    );
    assert.equal(manager.calls.length, calls + 2);
    assert.ok(sup.nextTickInMs(clock.now()) > 60_000, 'steady again: only the reconciliation is due');

    // A pushed change in time: no poll.
    journal.records.push({ ...journal.records[0]!, offset: 1, at: clock.now() });
    await sup.tick();
    manager.observed.set('a', running('a', 12, 2));
    manager.handler!.changed(['a']);
    await settle();
    await sup.tick();
    const after = manager.calls.length;
    await clock.advance(10_000);
    await sup.tick();
    assert.equal(manager.calls.length, after, 'the push came: nothing stale');
    stop();
    store.close();
  });
});

class WatchingManager extends FakeManager {
  handler: UnitChangeHandler | null = null;
  calls: string[][] = [];
  followed: string[][] = [];
  closed = false;
  override async status(names: readonly string[]) {
    this.calls.push([...names]);
    return super.status(names);
  }
  watch(handler: UnitChangeHandler) {
    this.handler = handler;
    return {
      follow: (services: readonly string[]) => this.followed.push([...services]),
      close: () => (this.closed = true),
    };
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
