/**
 * LaunchdManager.status replayed on captured outputs: one `launchctl list` and one `ps` per call, prints
 * only where list cannot tell; launchd's error numbers become messages; the gui → user domain fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSpec } from '../helpers/launchd.js';
import { ERR, fixture, lc, notFound, printOut, probeGui, ps, replay } from '../helpers/launchd-replay.js';

const LIST = (rows: string[]) => ({
  stdout: `PID\tStatus\tLabel\n-\t0\tcom.apple.quicklook\n${rows.join('\n')}\n`,
});

test('status: one list, one ps for all pids; print only for the not running, the unlisted and a new pid', async (t) => {
  const r = replay();
  t.after(r.close);
  await r.manager.write(
    ['api', 'loop', 'gone', 'once'].map((n) =>
      r.manager.render(
        makeSpec(
          n,
          n === 'once' ? { restart: { policy: 'no', delaySec: 1, burst: 5, intervalSec: 60 } } : {},
        ),
      ),
    ),
  );
  const list = LIST(['4242\t-9\tdev.vigil.api', '-\t3\tdev.vigil.loop', '-\t-11\tdev.vigil.once']);
  r.runner.expect(
    lc(['list'], list),
    probeGui(),
    lc(['print', 'gui/501/dev.vigil.api'], {
      stdout: printOut('dev.vigil.api', { state: 'running', pid: 4242, runs: 3, signal: 'Killed: 9' }),
    }),
    lc(['print', 'gui/501/dev.vigil.loop'], {
      stdout: `gui/501/dev.vigil.loop = {\n${fixture('print-fragment-spawn-scheduled-failing.txt').replace(/^/gm, '\t')}}\n`,
    }),
    lc(['print', 'gui/501/dev.vigil.gone'], notFound),
    lc(['print', 'gui/501/dev.vigil.once'], {
      stdout: printOut('dev.vigil.once', { state: 'not running', runs: 1, signal: 'Segmentation fault: 11' }),
    }),
    ps([
      [1, 0, 10, '1:00.00'],
      [4242, 1, 1024, '0:00.50'],
      [4243, 4242, 102_400, '1:02.25'],
      [4244, 4243, 1024, '0:00.25'],
    ]),
  );
  const all = await r.manager.status(['api', 'loop', 'gone', 'once', 'never']);
  r.runner.done();
  const by = new Map(all.map((s) => [s.service, s]));
  const api = by.get('api')!;
  assert.deepEqual(
    [api.loaded, api.active, api.sub, api.pid, api.restarts],
    [true, 'active', 'running', 4242, 2],
  );
  assert.deepEqual(api.lastExit, { code: null, signal: 'SIGKILL' }, 'the previous run, killed by SIGKILL');
  assert.equal(
    api.memoryBytes,
    (1024 + 102_400 + 1024) * 1024,
    'the whole tree: launcher, service, its child',
  );
  assert.equal(api.cpuNsec, 63_000_000_000);
  assert.equal(api.since, new Date(2025, 0, 6, 10, 0, 0).getTime());
  const loop = by.get('loop')!;
  assert.deepEqual(
    [loop.active, loop.sub, loop.pid, loop.restarts, loop.result],
    ['activating', 'spawn scheduled', null, 4, 'exit-code'],
  );
  assert.deepEqual(loop.lastExit, { code: 5, signal: null });
  assert.deepEqual(
    [by.get('gone')!.loaded, by.get('gone')!.active, by.get('gone')!.sub],
    [true, 'inactive', 'not loaded'],
  );
  const once = by.get('once')!;
  assert.deepEqual(
    [once.active, once.result, once.lastExit],
    ['failed', 'signal', { code: null, signal: 'SIGSEGV' }],
    'KeepAlive false: a crash is failed',
  );
  assert.deepEqual([by.get('never')!.loaded, by.get('never')!.unit], [false, 'dev.vigil.never']);

  // Next tick, nothing changed: list + ps; print only for the job without a pid (its state may change).
  r.runner.expect(
    lc(['list'], list),
    lc(['print', 'gui/501/dev.vigil.loop'], {
      stdout: printOut('dev.vigil.loop', { state: 'spawn scheduled', runs: 6, last: '5' }),
    }),
    lc(['print', 'gui/501/dev.vigil.once'], {
      stdout: printOut('dev.vigil.once', { state: 'not running', runs: 1, signal: 'Segmentation fault: 11' }),
    }),
    ps([[4242, 1, 1024, '0:00.50']]),
  );
  const again = await r.manager.status(['api', 'loop', 'gone', 'once']);
  r.runner.done();
  assert.equal(again[0]!.restarts, 2, 'the spawn count of an unchanged pid is remembered');
  assert.equal(again[1]!.restarts, 5);
  assert.deepEqual(await r.manager.status([]), []);
});

test('status from a different session: a job missing from list is still found by print', async (t) => {
  const r = replay();
  t.after(r.close);
  await r.manager.write([r.manager.render(makeSpec('api'))]);
  r.runner.expect(
    lc(['list'], LIST([])),
    probeGui(),
    lc(['print', 'gui/501/dev.vigil.api'], { stdout: fixture('print-running-terminated-gui.txt') }),
    ps([[16090, 1, 2048, '00:00:01']]),
  );
  const [s] = await r.manager.status(['api']);
  r.runner.done();
  assert.deepEqual(
    [s!.active, s!.pid, s!.restarts, s!.memoryBytes, s!.result],
    ['active', 16090, 1, 2048 * 1024, 'success'],
  );
});

test('no GUI session (print answers 125): the user/<uid> domain is used', async (t) => {
  const r = replay();
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(
    lc(['print', 'gui/501/dev.vigil.agent'], ERR.kickstartNoGui),
    lc(['print', 'user/501/dev.vigil.web'], notFound),
    lc(['enable', 'user/501/dev.vigil.web']),
    lc(['bootstrap', 'user/501', unit.path]),
    lc(['print', 'user/501/dev.vigil.web'], {
      stdout: printOut('dev.vigil.web', { state: 'running', pid: 9, runs: 1 }),
    }),
  );
  await r.manager.enableAndStart(['web']);
  r.runner.done();
  assert.equal(await r.manager.launchctl.domain(), 'user/501');
});

test('launchd errors become messages that say what to do (119 disabled, 113 unknown, 125 no GUI session)', async (t) => {
  const r = replay({ domain: 'gui/501' });
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(
    lc(['print', 'gui/501/dev.vigil.web'], notFound),
    lc(['enable', 'gui/501/dev.vigil.web']),
    lc(['bootstrap', 'gui/501', unit.path], ERR.bootstrapDisabledRoot),
  );
  await assert.rejects(r.manager.start(['web']), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_SERVICE_MANAGER');
    assert.match(
      e.message,
      /dev\.vigil\.web is disabled in launchd.*Fix: launchctl enable gui\/501\/dev\.vigil\.web/,
    );
    assert.match(e.message, /Bootstrap failed: 119: Service is disabled/);
    return true;
  });
  r.runner.done();
  const lc2 = r.manager.launchctl;
  r.runner.expect(lc(['kickstart', 'gui/501/dev.vigil.web'], ERR.kickstartNotFound));
  await assert.rejects(
    lc2.kickstart('dev.vigil.web', false),
    /launchd does not know dev\.vigil\.web \(not loaded\)\. Fix: vigil start/,
  );
  r.runner.expect(lc(['kickstart', '-k', 'gui/501/dev.vigil.web'], ERR.kickstartNoGui));
  await assert.rejects(
    lc2.kickstart('dev.vigil.web', true),
    /no GUI login session.*VIGIL_LAUNCHD_DOMAIN=user/,
  );
  r.runner.done();
});

test('bootstrap that keeps failing with 5 gives up after its budget with the causes listed', async (t) => {
  const r = replay({ domain: 'gui/501' });
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(lc(['print', 'gui/501/dev.vigil.web'], notFound), lc(['enable', 'gui/501/dev.vigil.web']));
  // Not right after a bootout: a 2 s grace (500 ms apart) before the error.
  for (let i = 0; i < 5; i++)
    r.runner.expect(
      lc(['bootstrap', 'gui/501', unit.path], ERR.bootstrapEio),
      lc(['print', 'gui/501/dev.vigil.web'], notFound),
    );
  await assert.rejects(
    r.manager.start(['web']),
    /launchd refused .*dev\.vigil\.web\.plist \(5: Input\/output error\)\. Usual causes: it is still being unloaded.*plutil -lint/,
  );
  r.runner.done();
  assert.deepEqual(r.clock.slept, [500, 500, 500, 500]);
});

test('bootstrap answering 5 for a job that is in fact loaded (already loaded) is not an error', async (t) => {
  const r = replay({ domain: 'gui/501' });
  t.after(r.close);
  const unit = r.manager.render(makeSpec('web'));
  await r.manager.write([unit]);
  r.runner.expect(
    lc(['print', 'gui/501/dev.vigil.web'], notFound),
    lc(['enable', 'gui/501/dev.vigil.web']),
    lc(['bootstrap', 'gui/501', unit.path], ERR.bootstrapEio),
    lc(['print', 'gui/501/dev.vigil.web'], {
      stdout: printOut('dev.vigil.web', { state: 'running', pid: 3, runs: 1 }),
    }),
    lc(['print', 'gui/501/dev.vigil.web'], {
      stdout: printOut('dev.vigil.web', { state: 'running', pid: 3, runs: 1 }),
    }),
  );
  await r.manager.start(['web']);
  r.runner.done();
});
