/** Rotation with rollback on fakes: order, health gating, rollback, audit, events, locks — and no value anywhere. */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { SqliteCredentialLedger } from '../../agent/adapters/sqlite/credential-ledger.js';
import { rotateCredentials, type RotateDeps } from '../../agent/app/rotate.js';
import { setKeys, listCredentials } from '../../agent/app/credentials.js';
import type { NewEvent } from '../../agent/core/events.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { ObservedStatus, ServiceManager, UnitFile } from '../../agent/ports/service-manager.js';
import type { VigilError } from '../../agent/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';

const OLD = 'old-good-key-0000';
const GOOD = 'new-good-key-1111';
const BAD = 'new-bad-key-2222';

function spec(name: string, dependsOn: string[], health: boolean, credentials = ['llm']): ServiceSpec {
  return {
    name,
    description: undefined,
    command: ['/bin/true'],
    cwd: undefined,
    env: {},
    credentials,
    dependsOn,
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    health: health
      ? { probe: { kind: 'http', url: `http://127.0.0.1/${name}/health` }, intervalSec: 10, timeoutSec: 2 }
      : undefined,
    metrics: undefined,
    limits: { memoryBytes: undefined, cpuPercent: undefined },
  };
}

/** Services that are healthy iff the key they loaded at their last restart is "good" (or, when `broken`, never). */
class FakeManager implements ServiceManager {
  readonly backend = 'systemd' as const;
  readonly restarts: string[] = [];
  readonly loaded = new Map<string, string>();
  readonly broken = new Set<string>();
  private pid = 100;
  private readonly pids = new Map<string, number>();
  constructor(
    private readonly keyNow: () => string,
    private readonly crashes: (svc: string) => boolean,
  ) {}
  render(): UnitFile {
    throw new Error('unused');
  }
  async listInstalled() {
    return [];
  }
  async write() {}
  async remove() {}
  async enableAndStart() {}
  async start() {}
  async stop() {}
  async restart(names: readonly string[]) {
    for (const n of names) {
      this.restarts.push(n);
      this.loaded.set(n, this.keyNow());
      this.pids.set(n, ++this.pid);
    }
  }
  healthy(n: string): boolean {
    return !this.broken.has(n) && (this.loaded.get(n) ?? '').includes('good');
  }
  async status(names: readonly string[]): Promise<ObservedStatus[]> {
    return names.map((n) => {
      const crashed = this.crashes(n) && !this.healthy(n);
      return {
        service: n,
        unit: `vigil-${n}.service`,
        loaded: true,
        active: crashed ? 'activating' : 'active',
        sub: crashed ? 'auto-restart' : 'running',
        pid: crashed ? null : (this.pids.get(n) ?? null),
        restarts: crashed ? 1 : 0,
        result: crashed ? 'exit-code' : 'success',
        lastExit: crashed ? { code: 1, signal: null } : null,
        since: null,
        memoryBytes: null,
        cpuNsec: null,
      };
    });
  }
}

describe('credential rotation', () => {
  let dir: string;
  let clock: FakeClock;
  let store: FsCredentialStore;
  let db: SqliteStore;
  let ledger: SqliteCredentialLedger;
  let events: NewEvent[];
  let services: ServiceSpec[];
  let manager: FakeManager;
  let alive: Set<number>;
  let logs: Record<string, string[]>;

  const deps = (): RotateDeps => ({
    store,
    ledger,
    clock,
    services: () => services,
    policies: () => ({}),
    record: (e) => events.push(...e),
    manager,
    probe: async (p) => {
      assert.equal(p.kind, 'http');
      const svc = /\/([^/]+)\/health$/.exec(p.kind === 'http' ? p.url : '')![1]!;
      return manager.healthy(svc)
        ? { health: 'healthy', error: null }
        : { health: 'down', error: 'HTTP 503' };
    },
    readLogTail: async (svc) => logs[svc] ?? [],
  });

  /** Runs a rotation to the end, moving the fake clock along. */
  async function rotate(value: string, opts: { timeoutMs?: number; stableMs?: number } = {}) {
    let done = false;
    const p = rotateCredentials(deps(), {
      set: 'llm',
      values: { API_KEY: value },
      actor: 'cli',
      timeoutMs: 10_000,
      stableMs: 3000,
      ...opts,
    }).finally(() => (done = true));
    p.catch(() => undefined);
    while (!done) await clock.advance(250);
    return p;
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rot-'));
    clock = new FakeClock(Date.UTC(2026, 0, 1));
    store = new FsCredentialStore(path.join(dir, 'credentials'), () => clock.now());
    db = SqliteStore.open(':memory:');
    alive = new Set();
    ledger = new SqliteCredentialLedger(db.db, {
      now: () => clock.now(),
      alive: (pid) => alive.has(pid) || pid === process.pid,
    });
    events = [];
    logs = {};
    // Listed out of order: core depends on proxy, so proxy restarts first.
    services = [
      spec('core', ['proxy'], false),
      spec('proxy', [], true),
      spec('unrelated', [], true, ['other']),
    ];
    services = [services[1]!, services[0]!, services[2]!];
    manager = new FakeManager(
      () => store.read('llm')?.entries.find((e) => e.key === 'API_KEY')?.value ?? '',
      (svc) => svc === 'core',
    );
    store.write('llm', [
      { key: 'API_KEY', value: OLD, updatedAt: 1 },
      { key: 'OTHER', value: 'untouched-value', updatedAt: 1 },
    ]);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const noValues = (x: unknown) => {
    const text = JSON.stringify(x);
    for (const v of [OLD, GOOD, BAD, 'untouched-value'])
      assert.ok(!text.includes(v), `a value leaked into ${text.slice(0, 200)}`);
  };

  it('a good key: restarts the services that load the set in dependsOn order, each healthy, and succeeds', async () => {
    const r = await rotate(GOOD);
    assert.equal(r.outcome, 'succeeded');
    assert.deepEqual(
      manager.restarts,
      ['proxy', 'core'],
      'proxy first (core depends on it); unrelated untouched',
    );
    assert.deepEqual(
      r.checks.map((c) => [c.service, c.healthy]),
      [
        ['proxy', true],
        ['core', true],
      ],
    );
    assert.match(r.checks[0]!.reason, /healthy \(http/);
    assert.match(r.checks[1]!.reason, /running for 3 s without a restart/);
    assert.equal(store.read('llm')!.entries.find((e) => e.key === 'API_KEY')!.value, GOOD);
    assert.equal(store.read('llm')!.entries.find((e) => e.key === 'OTHER')!.value, 'untouched-value');
    const [audit] = ledger.list();
    assert.deepEqual(
      [audit!.action, audit!.outcome, audit!.actor, audit!.keys, audit!.services],
      ['rotate', 'succeeded', 'cli', ['API_KEY'], ['proxy', 'core']],
    );
    assert.ok(audit!.durationMs! > 0);
    assert.deepEqual(
      events.map((e) => e.data?.phase),
      ['started', 'restarting', 'healthy', 'restarting', 'healthy', 'succeeded'],
    );
    assert.ok(events.every((e) => e.type === 'credential-rotation'));
    noValues([r, events, ledger.list(), db.queryEvents({})]);
  });

  it('a bad key that a health URL reports: waits out the timeout, rolls back, and every service is healthy on the old key', async () => {
    services = [spec('proxy', [], true)];
    logs.proxy = [`auth failed with key ${BAD}`, `falling back from ${OLD}`];
    const r = await rotate(BAD);
    assert.equal(r.outcome, 'rolled-back');
    assert.equal(r.failed!.service, 'proxy');
    assert.match(r.failed!.reason, /not healthy within 10 s \(last: health check down: HTTP 503\)/);
    assert.deepEqual(
      r.failed!.logTail,
      ['auth failed with key [redacted:llm/API_KEY]', 'falling back from [redacted:llm/API_KEY]'],
      'the log tail is redacted, both values',
    );
    assert.deepEqual(manager.restarts, ['proxy', 'proxy']);
    assert.deepEqual(
      r.rollback!.map((c) => c.healthy),
      [true],
    );
    assert.equal(
      store.read('llm')!.entries.find((e) => e.key === 'API_KEY')!.value,
      OLD,
      'the previous version is back',
    );
    assert.equal(ledger.list()[0]!.outcome, 'rolled-back');
    assert.equal(ledger.list()[0]!.failedService, 'proxy');
    const last = events.at(-1)!;
    assert.equal(last.data?.phase, 'rolled-back');
    assert.equal(last.severity, 'critical');
    noValues([r, events, ledger.list()]);
  });

  it('a key that makes a service crash fails at once (no wait for the timeout) and restarts only what was restarted', async () => {
    // proxy (health URL) accepts any key with "good" in it; core crashes on a key without "good".
    manager.broken.clear();
    const healthyProxy = manager.healthy.bind(manager);
    manager.healthy = (n: string) => (n === 'proxy' ? true : healthyProxy(n));
    const t0 = clock.now();
    const r = await rotate('new-crashing-key', { timeoutMs: 60_000 });
    assert.equal(r.outcome, 'rolled-back');
    assert.equal(r.failed!.service, 'core');
    assert.match(r.failed!.reason, /exited with code 1 and was restarted/);
    assert.ok(clock.now() - t0 < 30_000, 'did not wait for the 60 s timeout');
    assert.deepEqual(
      manager.restarts,
      ['proxy', 'core', 'proxy', 'core'],
      'both restarted again on the old key, in order',
    );
    assert.deepEqual(
      r.rollback!.map((c) => [c.service, c.healthy]),
      [
        ['proxy', true],
        ['core', true],
      ],
    );
  });

  it('when the old key does not bring a service back either: rollback-failed, previous version still restored', async () => {
    manager.broken.add('proxy');
    services = [spec('proxy', [], true)];
    const r = await rotate(GOOD);
    assert.equal(r.outcome, 'rollback-failed');
    assert.deepEqual(
      r.rollback!.map((c) => c.healthy),
      [false],
    );
    assert.equal(store.read('llm')!.entries.find((e) => e.key === 'API_KEY')!.value, OLD);
  });

  it('a second rotation of the same set while one runs is refused (E_LOCKED); the lock is released afterwards', async () => {
    let done = false;
    const first = rotateCredentials(deps(), {
      set: 'llm',
      values: { API_KEY: GOOD },
      actor: 'ui',
      timeoutMs: 10_000,
      stableMs: 3000,
    }).finally(() => (done = true));
    await assert.rejects(
      rotateCredentials(deps(), { set: 'llm', values: { API_KEY: BAD }, actor: 'cli' }),
      (err: VigilError) =>
        err.code === 'E_LOCKED' && /being changed by another request from the app/.test(err.message),
    );
    assert.throws(() => setKeys(deps(), 'llm', { API_KEY: BAD }, 'cli'), /being changed/);
    while (!done) await clock.advance(250);
    assert.equal((await first).outcome, 'succeeded');
    setKeys(deps(), 'llm', { API_KEY: 'after-rotation-key' }, 'cli');
  });

  it('a lock left by a killed process is taken over and its audit record marked interrupted', () => {
    alive.add(4242);
    const dead = new SqliteCredentialLedger(db.db, { now: () => clock.now(), alive: () => true, pid: 4242 });
    dead.lock('llm', 'cli');
    dead.begin({
      id: 'x',
      startedAt: clock.now(),
      actor: 'cli',
      action: 'rotate',
      set: 'llm',
      keys: ['API_KEY'],
      services: [],
    });
    assert.throws(() => ledger.lock('llm', 'cli'), /pid 4242/);
    alive.delete(4242);
    ledger.lock('llm', 'cli').release();
    assert.equal(ledger.list().find((r) => r.id === 'x')!.outcome, 'interrupted');
  });

  it('refuses an unknown key or set, and bad values, before anything is written or restarted', async () => {
    await assert.rejects(
      rotateCredentials(deps(), { set: 'llm', values: { NOPE: GOOD }, actor: 'cli' }),
      /has no key NOPE/,
    );
    await assert.rejects(
      rotateCredentials(deps(), { set: 'nope', values: { API_KEY: GOOD }, actor: 'cli' }),
      /no credential set "nope"/,
    );
    await assert.rejects(
      rotateCredentials(deps(), { set: 'llm', values: { API_KEY: 'a\nb' }, actor: 'cli' }),
      /line break/,
    );
    assert.deepEqual(manager.restarts, []);
    assert.equal(store.versions('llm').length, 0);
    assert.deepEqual(ledger.list(), []);
  });

  it('keys older than rotateAfterDays are flagged overdue, with their age', async () => {
    const d = { ...deps(), policies: () => ({ llm: { rotateAfterDays: 30 } }) };
    setKeys(d, 'llm', { FRESH: 'fresh-value-0000' }, 'cli');
    await clock.advance(31 * 86_400_000);
    setKeys(d, 'llm', { NEWER: 'newer-value-0000' }, 'cli');
    const llm = listCredentials(d).sets[0]!;
    assert.equal(llm.rotateAfterDays, 30);
    assert.equal(llm.overdue, true);
    const by = Object.fromEntries(llm.keys.map((k) => [k.key, k]));
    assert.deepEqual([by.FRESH!.overdue, by.FRESH!.ageDays], [true, 31]);
    assert.deepEqual([by.NEWER!.overdue, by.NEWER!.ageDays], [false, 0]);
  });

  it('migration 2: the audit and lock tables hold names, outcomes and times — no column for a value', () => {
    const cols = (t: string) =>
      (db.db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    assert.deepEqual(cols('credential_audit'), [
      'id',
      'started_at',
      'finished_at',
      'actor',
      'action',
      'set_name',
      'keys',
      'services',
      'outcome',
      'failed_service',
      'reason',
      'duration_ms',
    ]);
    assert.deepEqual(cols('credential_locks'), ['set_name', 'holder', 'pid', 'token', 'acquired_at']);
  });

  it('set and list: masked values, services using the set, audit and a credential-changed event without values', () => {
    const info = setKeys(deps(), 'llm', { NEW_KEY: 'sk-brand-new-value-9876' }, 'ui');
    assert.deepEqual(info.services, ['proxy', 'core']);
    assert.equal(info.keys.find((k) => k.key === 'NEW_KEY')!.masked, '••••9876');
    const doc = listCredentials(deps());
    assert.deepEqual(
      doc.sets.map((s) => s.set),
      ['llm'],
    );
    assert.equal(ledger.list()[0]!.action, 'set');
    assert.equal(events.at(-1)!.type, 'credential-changed');
    assert.ok(!JSON.stringify([doc, events, ledger.list()]).includes('sk-brand-new-value'));
  });
});
