/** The agent's launchd module: the start limit that launchd does not enforce (the memory limit: memory-watch.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { LaunchdWatch } from '../../agent/daemon/launchd-watch.js';
import type { NewEvent, VigilEvent } from '../../agent/core/events.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { StepClock } from '../helpers/step-clock.js';
import { makeSpec } from '../helpers/launchd.js';

function setup(limits: { memoryBytes?: number } = {}, policy: 'always' | 'no' = 'always', intervalSec = 60) {
  const db = tempDbPath();
  const store = SqliteStore.open(db);
  const clock = new StepClock(Date.UTC(2025, 0, 1));
  for (const name of ['web', 'api']) {
    store.upsertService({
      name,
      unit: `dev.vigil.${name}`,
      spec: makeSpec(name, {
        limits: { memoryBytes: limits.memoryBytes, cpuPercent: undefined },
        restart: { policy, delaySec: 1, burst: 3, intervalSec },
      }),
      hash: 'h',
      installedAt: 0,
      updatedAt: 0,
    });
  }
  const calls: string[] = [];
  const manager = {
    restart: async (s: readonly string[]) => void calls.push(`restart ${s.join(',')}`),
    stop: async (s: readonly string[]) => void calls.push(`stop ${s.join(',')}`),
    giveUp: async (s: string, info: unknown) => void calls.push(`giveUp ${s} ${JSON.stringify(info)}`),
  };
  const watch = new LaunchdWatch({ manager, store, clock, logger: pino({ level: 'silent' }) });
  return { store, clock, calls, watch };
}

const svc = (name: string, over: Partial<ServiceStatus>): ServiceStatus => ({
  name,
  unit: `dev.vigil.${name}`,
  state: 'running',
  pid: 100,
  restarts: 0,
  since: null,
  lastExit: null,
  health: 'unknown',
  drifted: false,
  memoryBytes: 1000,
  cpuNsec: 0,
  ...over,
});
const doc = (...services: ServiceStatus[]): StatusDoc => ({ services });

let nextId = 1;
function crash(store: SqliteStore, at: number, service = 'web'): VigilEvent[] {
  const e: NewEvent = {
    key: `c${nextId++}`,
    at,
    service,
    type: 'crashed',
    severity: 'warning',
    message: 'x',
    exit: { code: 3, signal: null, result: 'exit-code', reason: 'exited with code 3' },
  };
  return store.appendEvents([e]);
}

test('start limit: gives up after restart.burst failures within restart.intervalSec, not before; counts anew after', async () => {
  const { watch, calls, store, clock } = setup();
  const t0 = clock.now();
  await watch.afterTick(doc(svc('web', {})), crash(store, t0 - 120_000)); // outside the window
  await watch.afterTick(doc(svc('web', {})), crash(store, t0 - 10_000));
  await watch.afterTick(doc(svc('web', {})), crash(store, t0 - 5_000));
  assert.deepEqual(calls, [], 'two failures inside the window, burst 3');
  await watch.afterTick(doc(svc('web', { restarts: 2 })), crash(store, t0 - 1_000));
  assert.deepEqual(calls, ['giveUp web {"restarts":3,"lastExit":{"code":3,"signal":null}}']);
  // Started again by the user: the old failures do not count any more.
  clock.advance(1000);
  await watch.afterTick(doc(svc('web', {})), crash(store, clock.now()));
  assert.equal(calls.length, 1);
  await watch.afterTick(doc(svc('web', {})), crash(store, clock.now() + 1));
  await watch.afterTick(doc(svc('web', {})), crash(store, clock.now() + 2));
  assert.equal(calls.length, 2, 'three new failures: given up again');
  await watch.afterTick(doc(svc('api', {})), crash(store, clock.now(), 'api'));
  assert.equal(calls.length, 2, 'other services have their own count');
});

test('start limit: policy "no" and intervalSec 0 (no rate limit) never give up', async () => {
  const { watch, calls, store, clock } = setup({}, 'no');
  for (let i = 0; i < 5; i++) await watch.afterTick(doc(svc('web', {})), crash(store, clock.now() - i));
  assert.deepEqual(calls, []);
  const unlimited = setup({}, 'always', 0);
  for (let i = 0; i < 5; i++)
    await unlimited.watch.afterTick(doc(svc('web', {})), crash(unlimited.store, unlimited.clock.now()));
  assert.deepEqual(
    unlimited.calls,
    [],
    'intervalSec 0: five failures in the same instant, still not given up',
  );
});
