/** The launchctl parsers against real captured outputs (test/fixtures/launchd/README.md names each source). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  decodeListStatus,
  launchdErrorNumber,
  parseList,
  parsePrint,
} from '../../agent/adapters/launchd/launchctl-parse.js';
import { darwinSignalName } from '../../agent/adapters/launchd/darwin-signals.js';
import { FIXTURES } from '../helpers/vigil.js';

const fx = (name: string) => readFileSync(path.join(FIXTURES, 'launchd', name), 'utf8');
const errors = JSON.parse(fx('errors.json')) as Record<string, { exitCode: number; stderr: string }>;

test('running, gui domain, TAB indentation: pid, runs, and the previous run killed by SIGTERM', () => {
  const p = parsePrint(fx('print-running-terminated-gui.txt'));
  assert.equal(p.state, 'running');
  assert.equal(p.pid, 16090);
  assert.equal(p.runs, 2);
  assert.deepEqual(p.lastExit, { code: null, signal: 'SIGTERM' });
  assert.equal(p.neverExited, false);
  assert.equal(p.path, '/Users/dev/Library/LaunchAgents/com.dev.weekly-cache-cleanup.plist');
  // Nested blocks say "state = active" and "type = resource": only the top level counts.
  assert.equal(p.fields.get('type'), 'LaunchAgent');
  assert.equal(p.fields.get('domain'), 'gui/501 [100002]');
  assert.equal(p.fields.has('id'), false, 'coalition fields are nested, not top-level');
});

test('running, system domain, 8-space indentation, header without a domain', () => {
  const p = parsePrint(fx('print-running-system-mojave.txt'));
  assert.equal(p.state, 'running');
  assert.equal(p.pid, 1486);
  assert.equal(p.runs, 3);
  assert.deepEqual(p.lastExit, { code: 0, signal: null });
  assert.equal(p.fields.get('successive crashes'), '0');
  assert.equal(p.fields.has('xpc_service_name'), false, 'environment entries (=>) are not fields');
});

test('not running after a clean exit (user domain and gui domain captures)', () => {
  for (const file of ['print-not-running-user-domain.txt', 'print-not-running-gui.txt']) {
    const p = parsePrint(fx(file));
    assert.equal(p.state, 'not running', file);
    assert.equal(p.pid, null, file);
    assert.equal(p.runs, 1, file);
    assert.deepEqual(p.lastExit, { code: 0, signal: null }, file);
  }
  const u = parsePrint(fx('print-not-running-user-domain.txt'));
  assert.equal(u.fields.get('domain'), 'user/503');
  assert.equal(u.fields.get('properties'), '', 'an empty value is kept as empty');
  // The nested "keepalive = 0" / "active = 0" lines of event blocks must not leak to the top level.
  assert.equal(u.fields.has('keepalive'), false);
  assert.equal(u.fields.has('active'), false);
});

test('spawn scheduled: a throttled KeepAlive respawn, with a clean or a failing last exit', () => {
  const a = parsePrint(fx('print-spawn-scheduled.txt'));
  assert.equal(a.state, 'spawn scheduled');
  assert.equal(a.runs, 640);
  assert.equal(a.pid, null);
  assert.deepEqual(a.lastExit, { code: 0, signal: null });
  assert.equal(a.fields.has('successful exit'), false);
  const b = parsePrint(fx('print-fragment-spawn-scheduled-failing.txt'));
  assert.equal(b.state, 'spawn scheduled');
  assert.equal(b.runs, 5);
  assert.deepEqual(b.lastExit, { code: 5, signal: null });
});

test('never exited: loaded, not spawned; no exit code is made up', () => {
  const p = parsePrint(fx('print-fragment-never-exited.txt'));
  assert.equal(p.state, 'not running');
  assert.equal(p.neverExited, true);
  assert.equal(p.lastExit, null);
  assert.equal(p.runs, null, 'missing fields stay unknown');
});

test('"N: NAME" exit codes, SIGTERMed and running-after-many-respawns fragments', () => {
  const ex = parsePrint(fx('print-fragment-ex-config.txt'));
  assert.deepEqual(ex.lastExit, { code: 78, signal: null });
  assert.equal(ex.fields.has('/opt/homebrew/cellar/skhd-zig/0.0.17/bin/skhd'), false);
  assert.equal(parsePrint(fx('print-fragment-sigtermed.txt')).state, 'SIGTERMed');
  const loop = parsePrint(fx('print-fragment-crashloop-running.txt'));
  assert.deepEqual(
    [loop.state, loop.pid, loop.runs, loop.lastExit],
    ['running', 60560, 38771, { code: 1, signal: null }],
  );
});

test('last terminating signal uses macOS numbers, and outranks an exit code line', () => {
  const p = parsePrint(
    'gui/501/dev.vigil.web = {\n\tstate = not running\n\tlast exit code = (never exited)\n\tlast terminating signal = Bus error: 10\n}\n',
  );
  assert.deepEqual(p.lastExit, { code: null, signal: 'SIGBUS' }, '10 is SIGBUS on macOS, not SIGUSR1');
  assert.equal(
    parsePrint('gui/501/dev.vigil.web = {\n\tlast exit reason = OS_REASON_CODESIGNING\n}').lastExitReason,
    'OS_REASON_CODESIGNING',
  );
});

test('launchctl list: header skipped, pids and statuses, labels kept whole', () => {
  const rows = parseList(fx('list-el-capitan.txt'));
  assert.equal(rows.size, 34);
  assert.deepEqual(rows.get('com.apple.Finder'), { label: 'com.apple.Finder', pid: 279, status: 0 });
  assert.deepEqual(rows.get('com.apple.quicklook'), { label: 'com.apple.quicklook', pid: null, status: 0 });
  assert.ok(rows.has('com.apple.mdworker.shared.04000000-0000-0000-0000-000000000000'));
  assert.equal(rows.has('Label'), false);
});

test('launchctl list: negative statuses are signals (macOS numbering)', () => {
  const rows = parseList(fx('list-signals-grep.txt'));
  assert.deepEqual(rows.get('com.apple.cache_delete'), {
    label: 'com.apple.cache_delete',
    pid: 28644,
    status: -9,
  });
  assert.deepEqual(decodeListStatus(rows.get('com.apple.cache_delete')!.status), {
    code: null,
    signal: 'SIGKILL',
  });
  assert.deepEqual(decodeListStatus(rows.get('com.apple.AssetCacheLocatorService')!.status), {
    code: null,
    signal: 'SIGKILL',
  });
  const segv = parseList(fx('list-segv-inspec.txt')).get('com.example.test')!;
  assert.deepEqual(decodeListStatus(segv.status), { code: null, signal: 'SIGSEGV' });
  assert.deepEqual(decodeListStatus(78), { code: 78, signal: null });
  assert.deepEqual(
    decodeListStatus(3840),
    { code: 15, signal: null },
    'a raw wait status (15 << 8) is an exit code',
  );
  assert.equal(decodeListStatus(null), null);
});

test('darwin signal names differ from Linux beyond the first few', () => {
  assert.deepEqual([9, 10, 11, 12, 15, 30, 31].map(darwinSignalName), [
    'SIGKILL',
    'SIGBUS',
    'SIGSEGV',
    'SIGSYS',
    'SIGTERM',
    'SIGUSR1',
    'SIGUSR2',
  ]);
  assert.equal(darwinSignalName(77), 'SIG77');
});

test('the error number is read from launchctl messages', () => {
  assert.equal(launchdErrorNumber(errors.bootstrapEio!.stderr), 5);
  assert.equal(launchdErrorNumber(errors.bootstrapDisabledRoot!.stderr), 119);
  assert.equal(launchdErrorNumber(errors.bootoutNotLoaded!.stderr), 3);
  assert.equal(launchdErrorNumber(errors.kickstartNoGui!.stderr), 125);
  assert.equal(launchdErrorNumber(errors.printNotFound!.stderr), null);
});
