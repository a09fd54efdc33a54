/**
 * `vigil import --replace` / `--restore` with fakes: the unload step's rollback (originals loaded again, new
 * services removed), and the systemd and launchd command lines of the OriginalServices adapter — launchd
 * replayed from launchctl's recorded answers (test/fixtures/launchd): the asynchronous bootout waited for,
 * the 5 of a bootstrap right after it retried, "not loaded" and "already loaded" taken as they are.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replaceOriginals, restoreOriginals, type ReplaceDeps } from '../../agent/app/import-replace.js';
import { CommandOriginalServices } from '../../agent/adapters/originals/originals.js';
import type { Original } from '../../agent/core/import/model.js';
import type { Manifest, ServiceSpec } from '../../agent/core/manifest/model.js';
import type { ObservedStatus, ServiceManager } from '../../agent/ports/service-manager.js';
import type { Store } from '../../agent/ports/store.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { StepClock } from '../helpers/step-clock.js';
import { ERR, fixture, lc, notFound, printOut } from '../helpers/launchd-replay.js';
import { Launchctl } from '../../agent/adapters/launchd/launchctl.js';

const spec = (name: string) =>
  ({ name, credentials: [], dependsOn: [], health: undefined }) as unknown as ServiceSpec;
const sysd = (unit: string): Original => ({ kind: 'systemd', unit, path: `/u/${unit}` });

function fakes(failUnload: string | null) {
  const calls: string[] = [];
  const state = new Map<string, unknown>();
  const manager = {
    render: (s: ServiceSpec) => ({
      service: s.name,
      unit: `vigil-${s.name}.service`,
      path: '',
      content: 'x',
      hash: 'x',
    }),
    listInstalled: async () => [],
    write: async () => void calls.push('write'),
    enableAndStart: async (s: readonly string[]) => void calls.push(`start ${s.join(',')}`),
    remove: async (s: readonly string[]) => void calls.push(`remove ${s.join(',')}`),
    stop: async (s: readonly string[]) => void calls.push(`stop ${s.join(',')}`),
    status: async (s: readonly string[]) =>
      s.map((service) => ({ service, active: 'active', sub: 'running', pid: 7 }) as ObservedStatus),
  } as unknown as ServiceManager;
  let now = 0;
  const deps: ReplaceDeps = {
    manager,
    store: {
      getState: (k: string) => state.get(k),
      setState: (k: string, v: unknown) => state.set(k, v),
      transaction: (fn: () => void) => fn(),
      listServices: () => [],
      upsertService: () => undefined,
      removeService: (n: string) => void calls.push(`forget ${n}`),
      appendEvents: () => undefined,
    } as unknown as Store,
    clock: { now: () => now } as never,
    sleep: async (ms) => void (now += ms),
    prober: { probe: async () => ({ health: 'healthy' }) as never },
    originals: {
      loadedFrom: async (o) => o.path,
      unload: async (o) => {
        calls.push(`unload ${o.kind === 'systemd' ? o.unit : o.label}`);
        if (o.kind === 'systemd' && o.unit === failUnload) throw new Error('Access denied');
      },
      reload: async (o) => void calls.push(`reload ${o.kind === 'systemd' ? o.unit : o.label}`),
    },
  };
  return { deps, calls, state };
}

const manifest = { services: [spec('a'), spec('b')] } as unknown as Manifest;
const originals = [
  { service: 'a', original: sysd('a.service') },
  { service: 'b', original: sysd('b.service') },
];
const opts = { timeoutMs: 10_000, stableMs: 1000 };

describe('import --replace', () => {
  it('an original that cannot be unloaded: those unloaded are loaded again, the new services removed', async () => {
    const { deps, calls, state } = fakes('b.service');
    await assert.rejects(
      replaceOriginals(deps, manifest, originals, opts),
      /cannot unload the systemd unit b\.service: Access denied; rolled back/,
    );
    assert.deepEqual(calls, [
      'write',
      'start a,b',
      'unload a.service',
      'unload b.service',
      'reload a.service',
      'remove a,b',
      'forget a',
      'forget b',
    ]);
    assert.equal(state.get('import.replaced'), undefined);
  });

  it('replaces after the services are healthy, and --restore brings the originals back', async () => {
    const { deps, calls, state } = fakes(null);
    const done = await replaceOriginals(deps, manifest, originals, opts);
    assert.deepEqual(
      done.map((d) => d.service),
      ['a', 'b'],
    );
    assert.deepEqual(calls, ['write', 'start a,b', 'unload a.service', 'unload b.service']);
    assert.equal((state.get('import.replaced') as unknown[]).length, 2);
    calls.length = 0;
    deps.manager.listInstalled = async () => [{ service: 'a' }, { service: 'b' }] as never;
    await restoreOriginals(deps);
    assert.deepEqual(calls, [
      'stop a,b',
      'reload a.service',
      'reload b.service',
      'remove a,b',
      'forget a',
      'forget b',
    ]);
    assert.deepEqual(state.get('import.replaced'), []);
  });
});

describe('OriginalServices on systemctl and launchctl', () => {
  const launchdOf =
    (runner: ScriptedRunner, clock = new StepClock()) =>
    async () =>
      new Launchctl({ runner, clock, env: {}, uid: 501, domain: 'gui/501' });

  it('systemd: FragmentPath, disable --now, enable --now', async () => {
    const runner = new ScriptedRunner([
      {
        argv: ['systemctl', '--user', 'show', '--property=FragmentPath', '--value', '--', 'w.service'],
        stdout: '/home/u/.config/systemd/user/w.service\n',
      },
      { argv: ['systemctl', '--user', 'disable', '--now', 'w.service'] },
      { argv: ['systemctl', '--user', 'enable', '--now', 'w.service'] },
    ]);
    const o = new CommandOriginalServices(runner, launchdOf(runner));
    const w = sysd('w.service');
    assert.equal(await o.loadedFrom(w), '/home/u/.config/systemd/user/w.service');
    await o.unload(w);
    await o.reload(w);
    runner.done();
  });

  const X = 'com.example.x';
  const l: Original = { kind: 'launchd', label: X, path: '/L/com.example.x.plist' };

  it('launchd --replace then a rollback at once: bootout waited for while SIGTERMed, disabled; enabled, bootstrap retried while 5', async () => {
    const runner = new ScriptedRunner([
      lc(['bootout', `gui/501/${X}`]),
      lc(['print', `gui/501/${X}`], { stdout: fixture('print-fragment-sigtermed.txt') }),
      lc(['print', `gui/501/${X}`], notFound),
      lc(['disable', `gui/501/${X}`]),
      lc(['enable', `gui/501/${X}`]),
      lc(['bootstrap', 'gui/501', l.path], ERR.bootstrapEio),
      lc(['print', `gui/501/${X}`], notFound),
      lc(['bootstrap', 'gui/501', l.path]),
    ]);
    const clock = new StepClock();
    const o = new CommandOriginalServices(runner, launchdOf(runner, clock));
    assert.equal(await o.loadedFrom(l), l.path);
    await o.unload(l);
    await o.reload(l);
    runner.done();
    assert.deepEqual(clock.slept, [250, 500], 'one wait for the bootout, one retry of the bootstrap');
  });

  it('launchd: an original not loaded is only disabled; --restore of one the user loaded again is done', async () => {
    const runner = new ScriptedRunner([
      lc(['bootout', `gui/501/${X}`], ERR.bootoutNotLoaded),
      lc(['disable', `gui/501/${X}`]),
      lc(['enable', `gui/501/${X}`]),
      lc(['bootstrap', 'gui/501', l.path], ERR.bootstrapEio),
      lc(['print', `gui/501/${X}`], { stdout: printOut(X, { state: 'running', pid: 777, runs: 1 }) }),
    ]);
    const o = new CommandOriginalServices(runner, launchdOf(runner));
    await o.unload(l);
    await o.reload(l);
    runner.done();
  });

  it('launchd: a bootstrap launchd keeps refusing fails with its reason and the plist named', async () => {
    const runner = new ScriptedRunner([
      lc(['enable', `gui/501/${X}`]),
      ...Array.from({ length: 5 }, () => [
        lc(['bootstrap', 'gui/501', l.path], ERR.bootstrapEio),
        lc(['print', `gui/501/${X}`], notFound),
      ]).flat(),
    ]);
    const o = new CommandOriginalServices(runner, launchdOf(runner));
    await assert.rejects(o.reload(l), (e: Error) => {
      assert.match(e.message, /launchd refused \/L\/com\.example\.x\.plist \(5: Input\/output error\)/);
      return true;
    });
  });
});
