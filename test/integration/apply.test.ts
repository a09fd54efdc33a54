/** `vigil apply` against the real systemd user manager: install, idempotence, change, invalid input, argv, remove, rollback. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import { FIXTURES, makeHome, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
const ECHO = path.join(FIXTURES, 'services', 'echo-argv.mjs');
const unitFile = (name: string) =>
  path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user', `vigil-${name}.service`);

function threeServices(p: string, mark = 'one'): string {
  return `services:
  ${p}-proxy:
    command: [${SLEEPER}]
    env: { MARK: proxy }
  ${p}-core:
    command: [${SLEEPER}]
    env: { MARK: ${mark} }
    dependsOn: [${p}-proxy]
  ${p}-memory:
    command: [${SLEEPER}]
    restart: { policy: on-failure, delaySec: 0.2 }
`;
}

async function status(t: TestHome): Promise<StatusDoc> {
  return t.json<StatusDoc>(['status']);
}

describe('vigil apply (real systemd)', () => {
  let t: TestHome;
  const p = uniquePrefix();
  before(async () => {
    t = await makeHome();
  });
  after(async () => {
    await t.cleanup();
  });

  it('installs three services and they run', async () => {
    const file = t.manifest(threeServices(p));
    const r = await t.json<{ create: string[] }>(['apply', '-f', file]);
    assert.deepEqual([...r.create].sort(), [`${p}-core`, `${p}-memory`, `${p}-proxy`]);
    const doc = await waitFor('three running', async () => {
      const d = await status(t);
      return d.services.length === 3 && d.services.every((s) => s.state === 'running' && s.pid)
        ? d
        : undefined;
    });
    for (const s of doc.services) {
      assert.equal(s.unit, `vigil-${s.name}.service`);
      assert.equal(s.restarts, 0);
      assert.equal(s.health, 'unknown');
      assert.ok(s.since && !Number.isNaN(Date.parse(s.since)));
    }
    assert.match(readFileSync(path.join(t.env.VIGIL_HOME!, 'logs', `${p}-core.log`), 'utf8'), /MARK=one/);
  });

  it('a second apply changes nothing and keeps the PIDs', async () => {
    const before = await status(t);
    const r = await t.json<{ create: string[]; update: unknown[]; unchanged: string[] }>([
      'apply',
      '-f',
      t.manifest(threeServices(p)),
    ]);
    assert.equal(r.create.length + r.update.length, 0);
    assert.equal(r.unchanged.length, 3);
    assert.deepEqual(
      (await status(t)).services.map((s) => s.pid),
      before.services.map((s) => s.pid),
    );
  });

  it('changing one service env restarts only that service', async () => {
    const before = new Map((await status(t)).services.map((s) => [s.name, s.pid]));
    const dry = await t.json<{ dryRun: boolean; update: { service: string }[] }>([
      'apply',
      '--dry-run',
      '-f',
      t.manifest(threeServices(p, 'two')),
    ]);
    assert.equal(dry.dryRun, true);
    assert.deepEqual(
      dry.update.map((u) => u.service),
      [`${p}-core`],
    );
    assert.equal(
      (await status(t)).services.find((s) => s.name === `${p}-core`)!.pid,
      before.get(`${p}-core`),
      'dry run touched nothing',
    );
    const r = await t.json<{ update: { service: string; reason: string }[] }>([
      'apply',
      '-f',
      t.manifest(threeServices(p, 'two')),
    ]);
    assert.deepEqual(r.update, [{ service: `${p}-core`, reason: 'changed' }]);
    const after = await waitFor('core running again', async () => {
      const d = await status(t);
      return d.services.every((s) => s.state === 'running') ? d : undefined;
    });
    for (const s of after.services) {
      if (s.name === `${p}-core`) assert.notEqual(s.pid, before.get(s.name), 'core restarted');
      else assert.equal(s.pid, before.get(s.name), `${s.name} untouched`);
    }
    assert.match(readFileSync(path.join(t.env.VIGIL_HOME!, 'logs', `${p}-core.log`), 'utf8'), /MARK=two/);
  });

  it('an invalid manifest exits 2, names file, line and key, and touches nothing', async () => {
    const before = await status(t);
    const file = t.manifest(
      `services:\n  ${p}-core:\n    command: [${SLEEPER}]\n    restart: { polcy: always }\n  ${p}-new:\n    command: [${SLEEPER}]\n`,
      'bad.yaml',
    );
    const r = await t.vigil(['apply', '-f', file]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: services\\.${p}-core\\.restart\\.polcy: unknown key`,
      ),
    );
    assert.equal(existsSync(unitFile(`${p}-new`)), false);
    assert.deepEqual(
      (await status(t)).services.map((s) => s.pid),
      before.services.map((s) => s.pid),
    );
    const j = await t.vigil(['apply', '-f', file, '--json']);
    assert.equal(j.code, 2);
    const body = JSON.parse(j.stdout) as {
      error: { code: string; problems: { line: number; path: string }[] };
    };
    assert.equal(body.error.code, 'E_MANIFEST_INVALID');
    assert.deepEqual(
      body.error.problems.map((x) => [x.line, x.path]),
      [[4, `services.${p}-core.restart.polcy`]],
    );
  });

  it('argv with shell metacharacters reaches the process byte for byte', async () => {
    const args = [
      'two words',
      'quote"double',
      "quote'single",
      '$HOME',
      '${PATH}',
      'semi;colon',
      '100%',
      'back\\slash',
      'tab\there',
      'héllo ✓ 日本',
      '',
      '*',
      '--flag=a b',
    ];
    const out = path.join(t.home, 'argv.json');
    const yaml = `services:\n  ${p}-echo:\n    command: ${JSON.stringify([process.execPath, ECHO, ...args])}\n    env: { ARGV_OUT: ${JSON.stringify(out)} }\n`;
    await t.json(['apply', '-f', t.manifest(yaml, 'echo.yaml')]);
    const got = await waitFor('argv written', () =>
      existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as string[]) : undefined,
    );
    assert.deepEqual(got, args);
  });

  it('a failure midway restores the units already rewritten', async () => {
    const broken = path.join(t.home, 'broken.sh');
    writeFileSync(broken, '#!/nonexistent/interpreter\n');
    chmodSync(broken, 0o755);
    const beforeCore = readFileSync(unitFile(`${p}-core`), 'utf8');
    const yaml = threeServices(p, 'three') + `  ${p}-broken:\n    command: [${broken}]\n`;
    const r = await t.vigil(['apply', '-f', t.manifest(yaml, 'broken.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /apply failed at "start/);
    // Type=notify: the launcher says READY only once the program runs; its reason ends the error.
    assert.match(
      r.stderr,
      /vigil-launch\[[a-z0-9-]+-broken\]: cannot execute .*broken\.sh: No such file or directory/,
    );
    assert.match(r.stderr, /Rolled back/);
    assert.equal(existsSync(unitFile(`${p}-broken`)), false, 'new unit removed');
    assert.equal(readFileSync(unitFile(`${p}-core`), 'utf8'), beforeCore, 'changed unit restored');
    await waitFor(
      'all running',
      async () => (await status(t)).services.every((s) => s.state === 'running') || undefined,
    );
  });

  it('remove deletes the unit and keeps the log; --purge deletes the log', async () => {
    const log = path.join(t.env.VIGIL_HOME!, 'logs', `${p}-memory.log`);
    const r = await t.json<{ removed: string[] }>(['remove', `${p}-memory`]);
    assert.deepEqual(r.removed, [`${p}-memory`]);
    assert.equal(existsSync(unitFile(`${p}-memory`)), false);
    assert.equal(existsSync(log), true, 'log kept');
    assert.ok(!(await status(t)).services.some((s) => s.name === `${p}-memory`));
    const u = await t.vigil(['remove', `${p}-memory`]);
    assert.equal(u.code, 2, 'unknown service is a usage error');
    await t.json(['remove', `${p}-echo`, '--purge']);
    assert.equal(existsSync(path.join(t.env.VIGIL_HOME!, 'logs', `${p}-echo.log`)), false, 'log purged');
  });
});
