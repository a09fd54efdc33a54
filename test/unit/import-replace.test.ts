/**
 * `vigil import --replace` / `--restore` with fakes: the unload step's rollback (originals loaded again, new
 * services removed), and the launchd and systemd command lines of the OriginalServices adapter.
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
  it('systemd: FragmentPath, disable --now, enable --now; launchd: bootout and bootstrap', async () => {
    const runner = new ScriptedRunner([
      {
        argv: ['systemctl', '--user', 'show', '--property=FragmentPath', '--value', '--', 'w.service'],
        stdout: '/home/u/.config/systemd/user/w.service\n',
      },
      { argv: ['systemctl', '--user', 'disable', '--now', 'w.service'] },
      { argv: ['systemctl', '--user', 'enable', '--now', 'w.service'] },
      { argv: ['launchctl', 'bootout', 'gui/501/com.example.x'] },
      { argv: ['launchctl', 'bootstrap', 'gui/501', '/L/com.example.x.plist'] },
    ]);
    const o = new CommandOriginalServices(runner, async () => 'gui/501');
    const w = sysd('w.service');
    assert.equal(await o.loadedFrom(w), '/home/u/.config/systemd/user/w.service');
    await o.unload(w);
    await o.reload(w);
    const l: Original = { kind: 'launchd', label: 'com.example.x', path: '/L/com.example.x.plist' };
    await o.unload(l);
    await o.reload(l);
    runner.done();
  });
});
