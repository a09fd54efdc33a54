/**
 * scripts/test-prereqs.sh, which `npm test` and `.ci/run` run first (issue 15 item 3): where it may not
 * install (VIGIL_TEST_PREREQS=check, as on a machine that is not a root container) it stops at once with
 * the exact command to run — for a missing Chromium, and for a user manager that does not answer — and
 * passes where everything is there. The installing path (apt-get, systemd-user-up.sh) is what .ci/run
 * takes on a fresh machine; it is not run here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/vigil.js';

const SCRIPT = path.join(ROOT, 'scripts', 'test-prereqs.sh');

function prereqs(env: Record<string, string>) {
  const r = spawnSync('bash', [SCRIPT], {
    env: { ...process.env, VIGIL_TEST_PREREQS: 'check', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('scripts/test-prereqs.sh', () => {
  it('npm test and .ci/run both start with it', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.test!, /^bash scripts\/test-prereqs\.sh && /);
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    assert.match(ci, /^VIGIL_TEST_PREREQS=install bash scripts\/test-prereqs\.sh$/m);
    assert.match(ci, /^npm test$/m, ".ci/run runs the README's test command");
  });

  it('no Chromium: stops at once, naming the package and the exact command', () => {
    const r = prereqs({ VIGIL_CHROMIUM: '/nonexistent/chromium' });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /needs Debian packages that are not installed: chromium$/m);
    assert.match(r.err, /^ {2}apt-get install -y --no-install-recommends chromium$/m);
    assert.doesNotMatch(r.out, /test-prereqs: ok/);
  });

  it('no user manager answering: stops at once with the command that starts one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-prereqs-'));
    try {
      const r = prereqs({ XDG_RUNTIME_DIR: dir, DBUS_SESSION_BUS_ADDRESS: `unix:path=${dir}/bus` });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /no systemd user manager answers/);
      assert.match(
        r.err,
        process.getuid?.() === 0 ? /^Run: bash scripts\/systemd-user-up\.sh$/m : /loginctl enable-linger/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('everything there (this machine): passes and says what it found', () => {
    const r = prereqs({});
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^test-prereqs: ok \(systemd \d+.*user manager (running|degraded)/m);
  });
});
