/**
 * Bounded input and failed applies against the real CLI and systemd: a 10 MB description refused before it
 * is read, --dry-run catching what apply needs (a directory as the program, a missing cwd), and an apply
 * whose `systemctl enable` and rollback fail (a systemctl wrapper on PATH injects the failures) leaving no
 * unit Vigil does not know.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, FIXTURES, makeHome, run, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
const UNIT_DIR = path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user');
const unitFile = (name: string) => path.join(UNIT_DIR, `vigil-${name}.service`);
const wantsLink = (name: string) => path.join(UNIT_DIR, 'default.target.wants', `vigil-${name}.service`);

/** A `systemctl` that fails the verbs listed in VIGIL_TEST_FAIL (comma-separated) and runs the real one otherwise. */
function failingSystemctl(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'systemctl');
  writeFileSync(
    file,
    `#!/bin/sh
verb="$2"
case ",$VIGIL_TEST_FAIL," in *",$verb,"*) echo "Failed to $verb unit: injected failure" >&2; exit 1;; esac
exec /usr/bin/systemctl "$@"
`,
  );
  chmodSync(file, 0o755);
  return dir;
}

describe('bounded input and failed applies (real CLI, real systemd)', () => {
  let t: TestHome;
  const p = uniquePrefix();
  before(async () => {
    t = await makeHome();
  });
  after(async () => {
    await t.cleanup();
  });

  it('refuses a 10 MB description before reading it, in a small heap', async () => {
    const file = t.manifest(
      `services:\n  ${p}-big:\n    command: [${SLEEPER}]\n    description: "${'x'.repeat(10 * 1024 * 1024)}"\n`,
      'big.yaml',
    );
    // 48 MB of heap: reading and parsing the 10 MB manifest (459 MB resident before) cannot fit.
    const r = await run(
      process.execPath,
      ['--max-old-space-size=48', BIN, 'apply', '--dry-run', '-f', file],
      t.env,
      {},
    );
    assert.equal(r.code, 2, r.stderr);
    // The size from fstat, before reading: the whole file's size is named, not the 1 MiB + 1 read.
    assert.match(
      r.stderr,
      new RegExp(
        `big\\.yaml: the manifest is ${statSync(file).size} bytes; at most 1048576 \\(1 MiB\\) are allowed`,
      ),
    );
    assert.equal(existsSync(unitFile(`${p}-big`)), false);
  });

  it('--dry-run refuses a directory as the program and a missing cwd, at file:line', async () => {
    const file = t.manifest(
      `services:\n  ${p}-dir:\n    command: [${FIXTURES}]\n  ${p}-cwd:\n    command: [${SLEEPER}]\n    cwd: ${t.home}/nowhere\n`,
      'paths.yaml',
    );
    const r = await t.vigil(['apply', '--dry-run', '-f', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `paths\\.yaml:3:15: services\\.${p}-dir\\.command\\[0\\]: ${FIXTURES} is a directory, not a program`,
      ),
    );
    assert.match(
      r.stderr,
      new RegExp(`paths\\.yaml:6:5: services\\.${p}-cwd\\.cwd: directory ${t.home}/nowhere does not exist`),
    );
  });

  it('a failed enable whose disable fails too leaves no unit behind', async () => {
    const bin = failingSystemctl(path.join(t.home, 'bin1'));
    const env = { ...t.env, PATH: `${bin}:${t.env.PATH ?? ''}`, VIGIL_TEST_FAIL: 'enable,disable' };
    const file = t.manifest(`services:\n  ${p}-a:\n    command: [${SLEEPER}]\n`, 'a.yaml');
    const r = await run(process.execPath, [BIN, 'apply', '-f', file], env, {});
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /apply failed at "start .*-a": .*injected failure/);
    assert.match(r.stderr, /Rolled back: removed the new units/);
    assert.equal(existsSync(unitFile(`${p}-a`)), false, 'the unit file was removed');
    assert.equal(existsSync(wantsLink(`${p}-a`)), false);
  });

  it('a unit the rollback could not remove is named, and `vigil remove` removes it', async () => {
    const bin = failingSystemctl(path.join(t.home, 'bin2'));
    const env = { ...t.env, PATH: `${bin}:${t.env.PATH ?? ''}`, VIGIL_TEST_FAIL: 'enable,disable,stop' };
    const file = t.manifest(`services:\n  ${p}-b:\n    command: [${SLEEPER}]\n`, 'b.yaml');
    const r = await run(process.execPath, [BIN, 'apply', '-f', file], env, {});
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`Rollback incomplete: could not remove the new units .*run \`vigil remove ${p}-b\``),
    );
    assert.equal(
      existsSync(unitFile(`${p}-b`)),
      true,
      'the stop failed, so the unit stays for remove to find',
    );
    // Nothing recorded it, yet Vigil knows it is its own.
    const removed = await t.vigil(['remove', `${p}-b`]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(existsSync(unitFile(`${p}-b`)), false);
    assert.equal(existsSync(wantsLink(`${p}-b`)), false);
    assert.equal(
      readdirSync(UNIT_DIR).some((f) => f.includes(`${p}-b`)),
      false,
    );
  });
});
