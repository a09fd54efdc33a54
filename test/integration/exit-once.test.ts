/**
 * One exit record per run under real systemd with the real launcher: the launcher writes it the moment its
 * child ends (with run=INVOCATION_ID), and the ExecStopPost= hook then writes no second one; when the
 * launcher itself is killed, the hook's record is the only one. The hook's dedupe and amendment
 * (agent/launcher/exitpend.c) are also run directly on a journal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, makeHome, waitFor, sleep, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import type { StatusDoc } from '../../agent/core/status.js';

const LAUNCHER = path.join(ROOT, 'dist', 'bin', 'vigil-launch');

describe('the exit hook after the launcher recorded the run', () => {
  let dir = '';
  let journal = '';
  const INV = '0123456789abcdef0123456789abcdef';
  const own = `1795729527.164110416 web signal killed KILL via=vigil-launch run=${INV}\n`;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-exitonce-'));
    journal = path.join(dir, 'exits.log');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const hook = (result: string, inv = INV) =>
    spawnSync(LAUNCHER, ['--exit-hook', journal, 'web'], {
      env: { SERVICE_RESULT: result, EXIT_CODE: 'killed', EXIT_STATUS: 'KILL', INVOCATION_ID: inv },
    });
  const lines = () => readFileSync(journal, 'utf8').split('\n').filter(Boolean);

  it('writes nothing when systemd says what the launcher said', () => {
    writeFileSync(journal, own, { mode: 0o600 });
    assert.equal(hook('signal').status, 0);
    assert.deepEqual(lines(), [own.trim()]);
  });

  it('finds the run in the rotated journal too', () => {
    rmSync(journal);
    writeFileSync(`${journal}.1`, own, { mode: 0o600 });
    assert.equal(hook('signal').status, 0);
    assert.equal(existsSync(journal) ? lines().length : 0, 0);
    rmSync(`${journal}.1`);
  });

  it('amends when systemd knows more (oom-kill), naming the launcher record', () => {
    writeFileSync(journal, own, { mode: 0o600 });
    assert.equal(hook('oom-kill').status, 0);
    const got = lines();
    assert.equal(got.length, 2);
    assert.match(got[1]!, / web oom-kill killed KILL amends=1795729527\.164110416$/);
  });

  it('writes its own record for a run the launcher did not record', () => {
    writeFileSync(journal, own, { mode: 0o600 });
    assert.equal(hook('signal', 'fedcba9876543210fedcba9876543210').status, 0);
    const got = lines();
    assert.equal(got.length, 2);
    assert.match(got[1]!, / web signal killed KILL$/);
  });
});

describe('one record per run on real systemd', () => {
  let t: TestHome;
  const name = `${uniquePrefix()}-once`;
  before(async () => {
    t = await makeHome('vigil-exitonce-');
    const yaml = `services:\n  ${name}:\n    command: [/bin/sleep, "1000000"]\n    restart: { policy: always, delaySec: 0.2 }\n`;
    const r = await t.vigil(['apply', '-f', t.manifest(yaml), '--json']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await t.cleanup();
  });
  const exits = () => {
    const f = path.join(t.env.VIGIL_HOME!, 'state', 'exits.log');
    return existsSync(f)
      ? readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l.includes(` ${name} `))
      : [];
  };
  const runningPid = () =>
    waitFor(
      'running',
      async () => {
        const d = JSON.parse((await t.vigil(['status', '--json'])).stdout) as StatusDoc;
        return d.services.find((s) => s.name === name && s.state === 'running' && s.pid)?.pid ?? undefined;
      },
      20_000,
    );

  it("kill -9 of the program: the launcher's record (run=), none from the hook", async () => {
    const launcher = await runningPid();
    const child = Number(
      readFileSync(`/proc/${launcher}/task/${launcher}/children`, 'utf8').trim().split(' ')[0],
    );
    process.kill(child, 'SIGKILL');
    await waitFor('a record', () => exits().length === 1 || undefined);
    await runningPid(); // restarted: the hook has run by then
    await sleep(300);
    const got = exits();
    assert.equal(got.length, 1, got.join('\n'));
    assert.match(got[0]!, / signal killed KILL via=vigil-launch .*run=[0-9a-f]{32}$/);
  });

  it("kill -9 of the launcher: the hook's record, the only one of that run", async () => {
    const launcher = await runningPid();
    process.kill(launcher, 'SIGKILL');
    await waitFor('a second record', () => exits().length === 2 || undefined);
    await runningPid();
    await sleep(300);
    const got = exits();
    assert.equal(got.length, 2, got.join('\n'));
    assert.match(got[1]!, / signal killed KILL$/);
  });
});
