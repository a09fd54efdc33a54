/**
 * The launcher's contract (agent/adapters/launcher/contract.ts): the argv each backend gives vigil-launch,
 * option by option, and where the launcher's own messages go. The option names are the ones
 * agent/launcher/options.c and exitpend.c parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vigilPaths } from '../../agent/core/paths.js';
import {
  exitFlushArgs,
  exitHookArgv,
  launcherArgv,
  launcherLogPath,
} from '../../agent/adapters/launcher/contract.js';
import { makeSpec } from '../helpers/launchd.js';

const paths = vigilPaths({ HOME: '/home/me', VIGIL_HOME: '/home/me/.vigil' });
const ctx = { paths, launcher: '/opt/vigil/dist/bin/vigil-launch' };
const spec = makeSpec('web', {
  command: ['/usr/bin/python3', '-m', 'http.server'],
  credentials: ['openai'],
  logs: { maxBytes: 4096, keep: 2 },
  stopTimeoutSec: 10,
});

test('launchd: the launcher loads the credentials, writes the exit journal and stops at stopTimeoutSec', () => {
  assert.deepEqual(launcherArgv(spec, ctx, 'launchd'), [
    ctx.launcher,
    ...['--service', 'web', '--log', `${paths.logs}/web.log`, '--max-bytes', '4096', '--keep', '2'],
    ...['--env-file', `${paths.credentials}/openai.env`, '--exits', paths.exits, '--stop-timeout', '10'],
    '--',
    ...spec.command,
  ]);
});

test('systemd: no credentials (systemd loads them), a later stop escalation, the journal and the end file', () => {
  assert.deepEqual(launcherArgv(spec, ctx, 'systemd'), [
    ctx.launcher,
    ...['--service', 'web', '--log', `${paths.logs}/web.log`, '--max-bytes', '4096', '--keep', '2'],
    ...['--stop-timeout', '15', '--exits', paths.exits],
    ...['--end-file', `${paths.exits.replace(/[^/]*$/, '')}web.end`],
    '--',
    ...spec.command,
  ]);
});

test('the exit hook, the flush and the launcher log', () => {
  assert.deepEqual(exitHookArgv(ctx.launcher, '/j/exits.log', 'web', '/j/web.end'), [
    ctx.launcher,
    '--exit-hook',
    '/j/exits.log',
    'web',
    '/j/web.end',
  ]);
  assert.deepEqual(exitFlushArgs('/j/exits.log'), ['--exit-flush', '/j/exits.log']);
  assert.equal(launcherLogPath(paths, 'web'), `${paths.logs}/web.launcher.log`);
});
