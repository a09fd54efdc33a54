/** executePlan's rollback with a fake service manager: every step is tried, and what is left is named. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { executePlan, type ApplyPlan } from '../../agent/app/apply.js';
import { isVigilError } from '../../agent/core/errors.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { InstalledUnit, ServiceManager, UnitFile } from '../../agent/ports/service-manager.js';
import type { Store } from '../../agent/ports/store.js';

const unit = (service: string, content = 'new'): UnitFile & { spec: ServiceSpec } => ({
  service,
  unit: `vigil-${service}.service`,
  path: `/units/vigil-${service}.service`,
  content,
  hash: content,
  spec: { name: service } as ServiceSpec,
});
const installed = (service: string): InstalledUnit => ({
  ...unit(service, 'old'),
  recordedHash: 'old',
  actualHash: 'old',
  drifted: false,
});

/** Records every call; the named methods throw. */
function fakeManager(failing: Partial<Record<keyof ServiceManager, string>>): {
  manager: ServiceManager;
  calls: string[];
} {
  const calls: string[] = [];
  const step = (name: keyof ServiceManager) => async (arg: readonly (string | UnitFile)[]) => {
    calls.push(
      `${name} ${arg.map((a) => (typeof a === 'string' ? a : `${a.service}:${a.content}`)).join(',')}`,
    );
    const why = failing[name];
    if (why) throw new Error(why);
  };
  const manager = {
    backend: 'systemd',
    write: step('write'),
    remove: step('remove'),
    enableAndStart: step('enableAndStart'),
    restart: step('restart'),
  } as unknown as ServiceManager;
  return { manager, calls };
}

const plan = (): ApplyPlan => ({
  create: [unit('new1')],
  update: [{ desired: unit('web'), current: installed('web'), reason: 'changed' }],
  unchanged: [],
  remove: [],
  orphans: [],
});

async function failure(manager: ServiceManager): Promise<string> {
  const deps = { manager, store: {} as Store, clock: { now: () => 0 } as never };
  try {
    await executePlan(deps, plan());
  } catch (err) {
    assert.ok(isVigilError(err) && err.code === 'E_APPLY_FAILED');
    return err.message;
  }
  return assert.fail('apply should have failed');
}

describe('apply rollback', () => {
  it('removes the new units and restores the previous ones', async () => {
    const { manager, calls } = fakeManager({ enableAndStart: 'no buffer space' });
    const msg = await failure(manager);
    assert.match(
      msg,
      /^apply failed at "start new1": no buffer space\nRolled back: removed the new units \(new1\); restored the previous units \(web\)\.$/,
    );
    assert.deepEqual(calls, [
      'write new1:new,web:new',
      'enableAndStart new1',
      'remove new1',
      'write web:old',
      'restart web',
    ]);
  });

  it('a failed removal does not stop the restore, and names the command that finishes it', async () => {
    const { manager, calls } = fakeManager({ enableAndStart: 'no buffer space', remove: 'disable failed' });
    const msg = await failure(manager);
    assert.match(
      msg,
      /Rollback incomplete: restored the previous units \(web\); could not remove the new units \(disable failed\); they are still installed: run `vigil remove new1`\.$/,
    );
    assert.ok(calls.includes('write web:old') && calls.includes('restart web'), calls.join('\n'));
  });
});
