/** `vigil agent install|uninstall` on macOS: the agent's own LaunchAgent, written and (re)loaded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vigilPaths } from '../../agent/core/paths.js';
import {
  installAgentPlist,
  renderAgentPlist,
  uninstallAgentPlist,
} from '../../agent/adapters/launchd/agent-plist.js';
import { parsePlistFile } from '../../agent/adapters/launchd/plist-render.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { StepClock } from '../helpers/step-clock.js';
import { lc, notFound, printOut } from '../helpers/launchd-replay.js';

test('agent plist: runs `vigil agent run` kept alive, logs to the agent log, carries VIGIL_HOME; install reloads it', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-plist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    HOME: dir,
    VIGIL_HOME: path.join(dir, 'vh'),
    VIGIL_LAUNCHD_AGENT_DIR: path.join(dir, 'LA'),
    VIGIL_LAUNCHD_DOMAIN: 'gui/501',
  };
  const paths = vigilPaths(env);
  const argv = [
    '/opt/homebrew/bin/node',
    '/opt/vigil/bin/vigil.js',
    'agent',
    'run',
    '--http',
    '127.0.0.1:7878',
  ];
  const content = renderAgentPlist(paths, argv, { VIGIL_HOME: paths.home });
  const d = parsePlistFile(Buffer.from(content))!;
  assert.deepEqual(
    [
      d.Label,
      d.ProgramArguments,
      d.RunAtLoad,
      d.KeepAlive,
      d.StandardErrorPath,
      (d.EnvironmentVariables as Record<string, string>).VIGIL_HOME,
    ],
    ['dev.vigil.agent', argv, true, true, paths.agentLog, paths.home],
  );
  assert.match((d.EnvironmentVariables as Record<string, string>).PATH!, /^\/opt\/homebrew\/bin:/);
  const file = path.join(env.VIGIL_LAUNCHD_AGENT_DIR, 'dev.vigil.agent.plist');
  const runner = new ScriptedRunner([
    lc(['print', 'gui/501/dev.vigil.agent'], {
      stdout: printOut('dev.vigil.agent', { state: 'running', pid: 50, runs: 1 }),
    }),
    lc(['bootout', 'gui/501/dev.vigil.agent']),
    lc(['print', 'gui/501/dev.vigil.agent'], notFound),
    lc(['enable', 'gui/501/dev.vigil.agent']),
    lc(['bootstrap', 'gui/501', file]),
    lc(['print', 'gui/501/dev.vigil.agent'], {
      stdout: printOut('dev.vigil.agent', { state: 'running', pid: 51, runs: 1 }),
    }),
  ]);
  assert.equal(await installAgentPlist({ runner, paths, env, clock: new StepClock() }, content), file);
  runner.done();
  assert.equal(readFileSync(file, 'utf8'), content);
  assert.equal(statSync(file).mode & 0o777, 0o644);
  runner.expect(
    lc(['bootout', 'gui/501/dev.vigil.agent']),
    lc(['print', 'gui/501/dev.vigil.agent'], notFound),
  );
  assert.equal(await uninstallAgentPlist({ runner, paths, env, clock: new StepClock() }), true);
  runner.done();
  assert.equal(existsSync(file), false);
  assert.equal(await uninstallAgentPlist({ runner, paths, env }), false, 'nothing to remove: no call');
});
