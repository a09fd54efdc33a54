/**
 * `dependsOn: { x: healthy }` rendered: the launcher's --wait-for options (both backends alike), and on
 * systemd Requires= and a TimeoutStartSec= longer than the wait. The list form renders as before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEPENDENCY_WAIT_SEC,
  maxWaitSec,
  waitArgs,
  waitTarget,
} from '../../agent/core/manifest/wait-args.js';
import { launchCommand, renderUnit } from '../../agent/adapters/systemd/unit-render.js';
import { renderPlist } from '../../agent/adapters/launchd/plist-render.js';
import { launcherArgv } from '../../agent/adapters/launcher/contract.js';
import type { DependencyWait } from '../../agent/core/manifest/model.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { makeSpec } from '../helpers/launchd.js';

const paths = vigilPaths({ HOME: '/home/ada', VIGIL_HOME: '/home/ada/.vigil' });
const LAUNCHER = '/opt/vigil/dist/bin/vigil-launch';

const REDIS: DependencyWait = {
  service: 'redis',
  probe: { kind: 'tcp', host: '127.0.0.1', port: 6379 },
  timeoutSec: 2,
};
const API: DependencyWait = {
  service: 'api',
  probe: { kind: 'http', url: 'http://127.0.0.1:8000/health?deep=1#x' },
  timeoutSec: 5,
};
const web = makeSpec('web', { dependsOn: ['redis', 'proxy', 'api'], waitFor: [REDIS, API] });

describe('waitTarget', () => {
  it('writes each probe kind as the launcher reads it', () => {
    assert.equal(waitTarget({ kind: 'tcp', host: '127.0.0.1', port: 6379 }), 'tcp:127.0.0.1:6379');
    assert.equal(waitTarget({ kind: 'tcp', host: '::1', port: 5432 }), 'tcp:[::1]:5432');
    assert.equal(
      waitTarget({ kind: 'http', url: 'http://127.0.0.1:8000/health?deep=1#x' }),
      'http:http://127.0.0.1:8000/health?deep=1',
    );
    assert.equal(waitTarget({ kind: 'http', url: 'http://localhost/' }), 'http:http://localhost:80/');
    assert.equal(waitTarget({ kind: 'http', url: 'http://[::1]:9/a b' }), 'http:http://[::1]:9/a%20b');
    // No TLS in the launcher: an https probe is awaited as a connect to its port.
    assert.equal(waitTarget({ kind: 'http', url: 'https://127.0.0.1/health' }), 'tcp:127.0.0.1:443');
    assert.equal(waitTarget({ kind: 'http', url: 'https://127.0.0.1:8443/health' }), 'tcp:127.0.0.1:8443');
    assert.equal(
      waitTarget({ kind: 'exec', argv: ['/usr/bin/redis-cli', '-p', '6379', 'ping,%x'] }),
      'exec:/usr/bin/redis-cli,-p,6379,ping%2C%25x',
    );
    assert.equal(
      waitTarget({ kind: 'exec', argv: ['/usr/bin/pg_isready', '-q'], cwd: '/srv/db, 1%' }),
      'execin:/srv/db%2C 1%25,/usr/bin/pg_isready,-q',
    );
  });
});

describe('waitArgs', () => {
  it('one --wait-for per healthy dependency, the wait bound, and the longest probe timeout per try', () => {
    assert.deepEqual(waitArgs(web), [
      '--wait-for',
      'redis=tcp:127.0.0.1:6379',
      '--wait-for',
      'api=http:http://127.0.0.1:8000/health?deep=1',
      '--wait-timeout',
      String(DEPENDENCY_WAIT_SEC),
      '--wait-attempt-ms',
      '5000',
    ]);
    assert.equal(maxWaitSec(web), DEPENDENCY_WAIT_SEC + 5);
  });

  it('nothing without healthy dependencies', () => {
    assert.deepEqual(waitArgs(makeSpec('a', { dependsOn: ['redis'] })), []);
    assert.equal(maxWaitSec(makeSpec('a')), 0);
  });

  it('a try is never longer than the whole wait', () => {
    const slow = makeSpec('a', { waitFor: [{ ...REDIS, timeoutSec: 600 }] });
    assert.equal(waitArgs(slow).at(-1), String(DEPENDENCY_WAIT_SEC * 1000));
  });
});

describe('systemd unit', () => {
  const unit = renderUnit(web, { paths, launcher: LAUNCHER }).content;
  const lines = unit.split('\n');

  it('After= for every dependency; Wants= for started ones, Requires= for healthy ones', () => {
    const deps = lines.filter((l) => /^(After|Wants|Requires)=/.test(l));
    assert.deepEqual(deps, [
      'After=vigil-redis.service',
      'After=vigil-proxy.service',
      'After=vigil-api.service',
      'Wants=vigil-proxy.service',
      'Requires=vigil-redis.service',
      'Requires=vigil-api.service',
    ]);
  });

  it('the launcher waits before the program; the start timeout is longer than the wait', () => {
    const argv = launchCommand(web, { paths, launcher: LAUNCHER });
    const dashes = argv.indexOf('--');
    assert.deepEqual(argv.slice(dashes - 8, dashes), waitArgs(web));
    assert.deepEqual(argv.slice(dashes + 1), web.command);
    const timeout = lines.find((l) => l.startsWith('TimeoutStartSec='));
    assert.equal(timeout, `TimeoutStartSec=${DEPENDENCY_WAIT_SEC + 5 + 15}`);
    assert.ok(lines.indexOf(timeout!) > lines.indexOf('[Service]'), 'a [Service] setting');
  });

  it('a unit without healthy dependencies has no Requires=, no TimeoutStartSec=, no --wait-for', () => {
    const plain = renderUnit(makeSpec('w', { dependsOn: ['redis'] }), { paths, launcher: LAUNCHER }).content;
    assert.doesNotMatch(plain, /Requires=|TimeoutStartSec=|--wait-for/);
    assert.match(plain, /^After=vigil-redis\.service\nWants=vigil-redis\.service$/m);
  });
});

describe('launchd plist', () => {
  it('the launcher waits before the program, with the same options as on systemd', () => {
    const ctx = { paths, agentDir: '/Users/ada/Library/LaunchAgents', launcher: LAUNCHER };
    const argv = launcherArgv(web, ctx, 'launchd');
    const dashes = argv.indexOf('--');
    assert.deepEqual(argv.slice(dashes - 8, dashes), waitArgs(web));
    assert.match(renderPlist(web, ctx).content, /<string>redis=tcp:127\.0\.0\.1:6379<\/string>/);
    assert.equal(
      launcherArgv(makeSpec('w', { dependsOn: ['redis'] }), ctx, 'launchd').includes('--wait-for'),
      false,
    );
  });
});
