/**
 * LaunchdManager's launchctl sequences (install, reload after a change, stop, remove, give up) replayed
 * against recorded exit codes and stderr: every call must be the expected next one, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { makeSpec } from '../helpers/launchd.js';
import { ERR, fixture, lc, notFound, printOut, probeGui, ps, replay } from '../helpers/launchd-replay.js';
import { gaveUpPath } from '../../agent/adapters/launchd/installed.js';

const WEB = 'dev.vigil.web';

test('install: the plist is written 0644, then enable and bootstrap; RunAtLoad spawned it, so no kickstart', async (t) => {
  const r = replay();
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  assert.equal(r.runner.calls.length, 0, 'writing calls no launchctl');
  assert.equal(statSync(unit.path).mode & 0o777, 0o644);
  assert.equal(readFileSync(unit.path, 'utf8'), unit.content);
  assert.equal(statSync(r.paths.credentials).mode & 0o777, 0o700);
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['enable', `gui/501/${WEB}`]),
    lc(['bootstrap', 'gui/501', unit.path]),
    lc(['print', `gui/501/${WEB}`], {
      stdout: printOut(WEB, { state: 'running', pid: 700, runs: 1, last: '(never exited)' }),
    }),
  );
  await r.manager.enableAndStart(['web']);
  r.runner.done();
});

test('install: a fresh job launchd left unspawned (never exited, 0 runs) is kickstarted without -k', async (t) => {
  const r = replay();
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['enable', `gui/501/${WEB}`]),
    lc(['bootstrap', 'gui/501', unit.path]),
    lc(['print', `gui/501/${WEB}`], {
      stdout: `gui/501/${WEB} = {\n${fixture('print-fragment-never-exited.txt').replace(/^/gm, '\t')}\truns = 0\n}\n`,
    }),
    lc(['kickstart', `gui/501/${WEB}`]),
  );
  await r.manager.enableAndStart(['web']);
  r.runner.done();
});

test('a changed plist is reloaded on restart: bootout, wait while SIGTERMed, bootstrap retried while 5, nothing left to kill', async (t) => {
  const r = replay();
  t.after(r.close);
  await r.manager.write([r.manager.render(makeSpec('web'))]);
  const changed = r.manager.render(makeSpec('web', { env: { LEVEL: 'debug' } }));
  await r.manager.write([changed]);
  const running = { stdout: printOut(WEB, { state: 'running', pid: 4242, runs: 1 }) };
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], running),
    lc(['print', `gui/501/${WEB}`], running),
    ps([
      [1, 0, 100, '0:10.00'],
      [4242, 1, 900, '0:00.02'],
      [4243, 4242, 50_000, '0:03.10'],
    ]),
    lc(['bootout', `gui/501/${WEB}`]),
    lc(['print', `gui/501/${WEB}`], { stdout: fixture('print-fragment-sigtermed.txt') }),
    lc(['print', `gui/501/${WEB}`], notFound),
    ps([[1, 0, 100, '0:10.00']]),
    lc(['enable', `gui/501/${WEB}`]),
    lc(['bootstrap', 'gui/501', changed.path], ERR.bootstrapEio),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['bootstrap', 'gui/501', changed.path], ERR.bootstrapEio),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['bootstrap', 'gui/501', changed.path]),
    lc(['print', `gui/501/${WEB}`], { stdout: printOut(WEB, { state: 'running', pid: 4300, runs: 1 }) }),
  );
  await r.manager.restart(['web']);
  r.runner.done();
  assert.deepEqual(r.kills, []);
  assert.deepEqual(r.clock.slept, [250, 500, 500]);
});

test('restart of an unchanged job is kickstart -k; a child that outlived its launcher is killed', async (t) => {
  const r = replay();
  t.after(r.close);
  await r.manager.write([r.manager.render(makeSpec('web'))]);
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['enable', `gui/501/${WEB}`]),
    lc(['bootstrap', 'gui/501', path.join(r.agentDir, `${WEB}.plist`)]),
  );
  r.runner.expect(
    lc(['print', `gui/501/${WEB}`], { stdout: printOut(WEB, { state: 'running', pid: 10, runs: 1 }) }),
  );
  await r.manager.enableAndStart(['web']);
  r.runner.expect(
    lc(['print', `gui/501/${WEB}`], { stdout: printOut(WEB, { state: 'running', pid: 10, runs: 1 }) }),
    ps([
      [10, 1, 900, '0:00.01'],
      [11, 10, 9000, '0:01.00'],
    ]),
    lc(['kickstart', '-k', `gui/501/${WEB}`]),
    // The old launcher is gone, its child (ignoring SIGTERM, say) is not: it gets SIGKILL.
    ps([
      [11, 1, 9000, '0:01.00'],
      [20, 1, 900, '0:00.00'],
    ]),
  );
  await r.manager.restart(['web']);
  r.runner.done();
  assert.deepEqual(r.kills, [[11, 'SIGKILL']]);
});

test('stop: bootout answered 36 (a stop in progress) is asked again until 3 (not loaded)', async (t) => {
  const r = replay();
  t.after(r.close);
  await r.manager.write([r.manager.render(makeSpec('web'))]);
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], { stdout: printOut(WEB, { state: 'SIGTERMed', pid: 10, runs: 3 }) }),
    ps([[10, 1, 900, '0:00.01']]),
    lc(['bootout', `gui/501/${WEB}`], {
      exitCode: 36,
      stderr: 'Boot-out failed: 36: Operation now in progress\n',
    }),
    lc(['bootout', `gui/501/${WEB}`], {
      exitCode: 36,
      stderr: 'Boot-out failed: 36: Operation now in progress\n',
    }),
    lc(['bootout', `gui/501/${WEB}`], ERR.bootoutNotLoaded),
    ps([]),
  );
  await r.manager.stop(['web']);
  r.runner.done();
  assert.deepEqual(r.clock.slept, [1000, 1000]);
});

test('remove: bootout (already gone: 3), the plist deleted, nothing installed any more', async (t) => {
  const r = replay();
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['bootout', `gui/501/${WEB}`], ERR.bootoutNotLoaded),
  );
  await r.manager.remove(['web']);
  r.runner.done();
  assert.equal(existsSync(unit.path), false);
  assert.deepEqual(await r.manager.listInstalled(), []);
});

test('a new label prefix replaces the old job: old label booted out and its plist deleted', async (t) => {
  const r = replay();
  t.after(r.close);
  const old = r.manager.render(makeSpec('web'));
  await r.manager.write([old]);
  const renamed = r.manager.render(makeSpec('web', { launchd: { labelPrefix: 'com.example' } }));
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['bootout', `gui/501/${WEB}`], ERR.bootoutNotLoaded),
  );
  await r.manager.write([renamed]);
  r.runner.done();
  assert.equal(existsSync(old.path), false);
  assert.deepEqual(
    (await r.manager.listInstalled()).map((u) => u.unit),
    ['com.example.web'],
  );
});

test('write refuses a plist of another Vigil home under the same label, and a missing launcher', async (t) => {
  const r = replay();
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  writeFileSync(unit.path, readFileSync(unit.path, 'utf8').replaceAll(r.paths.home, '/Users/other/.vigil'));
  await assert.rejects(r.manager.write([unit]), /belongs to another Vigil home \(\/Users\/other\/\.vigil\)/);
  const { LaunchdManager } = await import('../../agent/adapters/launchd/launchd-manager.js');
  const m = new LaunchdManager({
    runner: r.runner,
    paths: r.paths,
    launcher: '/nonexistent/vigil-launch',
    agentDir: r.agentDir,
  });
  await assert.rejects(m.write([unit]), /launcher \/nonexistent\/vigil-launch is missing.*npm run build/);
});

test('give up (start limit): bootout and a record; status says failed/start-limit-hit; start clears it and loads again', async (t) => {
  const r = replay();
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(
    probeGui(),
    lc(['print', `gui/501/${WEB}`], {
      stdout: printOut(WEB, { state: 'spawn scheduled', runs: 5, last: '3' }),
    }),
    lc(['bootout', `gui/501/${WEB}`]),
    lc(['print', `gui/501/${WEB}`], notFound),
  );
  await r.manager.giveUp('web', { restarts: 4, lastExit: { code: 3, signal: null } });
  assert.ok(existsSync(gaveUpPath(r.paths)));
  r.runner.expect(
    lc(['list'], { stdout: 'PID\tStatus\tLabel\n' }),
    lc(['print', `gui/501/${WEB}`], notFound),
  );
  const [s] = await r.manager.status(['web']);
  assert.deepEqual(
    [s!.loaded, s!.active, s!.result, s!.restarts, s!.lastExit],
    [true, 'failed', 'start-limit-hit', 4, { code: 3, signal: null }],
  );
  r.runner.expect(
    lc(['print', `gui/501/${WEB}`], notFound),
    lc(['enable', `gui/501/${WEB}`]),
    lc(['bootstrap', 'gui/501', unit.path]),
    lc(['print', `gui/501/${WEB}`], { stdout: printOut(WEB, { state: 'running', pid: 5, runs: 1 }) }),
  );
  await r.manager.start(['web']);
  r.runner.done();
  assert.equal(existsSync(gaveUpPath(r.paths)), false);
});
