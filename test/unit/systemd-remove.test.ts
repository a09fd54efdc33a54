/** SystemdManager.remove when `systemctl disable` fails: stop, unlink the enable links by hand, delete; or keep the file when even stop fails. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SystemdManager } from '../../agent/adapters/systemd/systemd-manager.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { isVigilError } from '../../agent/core/errors.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';

const UNIT = 'vigil-web.service';
const sc = (...args: string[]) => ['systemctl', '--user', ...args];

function setup(steps: ConstructorParameters<typeof ScriptedRunner>[0]) {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-rm-'));
  const unitDir = path.join(root, 'units');
  const paths = vigilPaths({
    VIGIL_HOME: path.join(root, 'vh'),
    VIGIL_SYSTEMD_UNIT_DIR: unitDir,
    HOME: root,
  });
  mkdirSync(path.join(unitDir, 'default.target.wants'), { recursive: true });
  const file = path.join(unitDir, UNIT);
  const link = path.join(unitDir, 'default.target.wants', UNIT);
  writeFileSync(file, '[Unit]\n');
  symlinkSync(file, link);
  const runner = new ScriptedRunner(steps);
  const manager = new SystemdManager({
    runner,
    paths,
    env: { XDG_RUNTIME_DIR: '/run/user/0' },
    launcher: '/bin/true',
  });
  return { manager, runner, file, link };
}

const failed = { exitCode: 1, stderr: 'Failed to disable unit: No buffer space available' };

describe('SystemdManager.remove when disable fails', () => {
  it('stops the unit, removes its enable link and its file', async () => {
    const { manager, runner, file, link } = setup([
      { argv: sc('disable', '--now', UNIT), ...failed },
      { argv: sc('stop', UNIT) },
      { argv: sc('daemon-reload') },
      { argv: sc('reset-failed', UNIT) },
    ]);
    await manager.remove(['web']);
    runner.done();
    assert.equal(existsSync(file), false);
    assert.throws(() => lstatSync(link), /ENOENT/);
  });

  it('keeps the file when the stop fails too (a later vigil remove finds it), and says why', async () => {
    const { manager, runner, file } = setup([
      { argv: sc('disable', '--now', UNIT), ...failed },
      { argv: sc('stop', UNIT), exitCode: 1, stderr: 'Failed to stop: timeout' },
    ]);
    await assert.rejects(
      manager.remove(['web']),
      (e: unknown) =>
        isVigilError(e) &&
        e.code === 'E_SERVICE_MANAGER' &&
        /stop vigil-web\.service failed \(exit 1\): Failed to stop: timeout/.test(e.message),
    );
    runner.done();
    assert.equal(existsSync(file), true);
  });
});
