/**
 * vigil-launch --stop-timeout on its own (no service manager): a child that ignores SIGTERM, and its
 * process group, get SIGKILL that many seconds after the first SIGTERM; the exit record says "timeout";
 * a child that stops in time is left alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';
import { waitFor } from '../helpers/vigil.js';
import { readOr, requireLauncher, startLauncher } from '../helpers/launcher.js';

let dir: string;
let n = 0;
const fresh = (name: string): string => path.join(dir, `${n++}-${name}`);

before(() => {
  requireLauncher();
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-launch-stop-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('--stop-timeout', () => {
  it('SIGKILLs a child (and its group) that ignores SIGTERM after the timeout; records "timeout"', async () => {
    const log = fresh('stop.log');
    const exits = fresh('exits.log');
    const pidFile = fresh('pid');
    // The wrapper and its background child both ignore SIGTERM.
    const script = `trap '' TERM; sleep 1000 & echo $$ $! > ${pidFile}; echo ready; while :; do sleep 0.1; done`;
    const child = startLauncher([
      '--service',
      'stubborn',
      '--log',
      log,
      '--exits',
      exits,
      '--stop-timeout',
      '2',
      '--',
      '/bin/sh',
      '-c',
      script,
    ]);
    const pids = await waitFor(
      'ready',
      () => readOr(log).includes('ready') && existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(),
      15_000,
    );
    const [wrapper, grandchild] = pids.split(' ').map(Number) as [number, number];
    try {
      const t0 = Date.now();
      child.kill('SIGTERM');
      // A second SIGTERM does not move the deadline.
      setTimeout(() => child.kill('SIGTERM'), 1000);
      const r = await Promise.race([
        child.done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('still running 10 s after SIGTERM')), 10_000),
        ),
      ]);
      const took = Date.now() - t0;
      assert.deepEqual([r.code, r.signal], [null, 'SIGKILL'], 'the launcher ends the way the child did');
      assert.ok(took >= 1900 && took < 6000, `killed after ~2 s (took ${took} ms)`);
      await waitFor('grandchild gone', () => !alive(grandchild), 5000);
      assert.match(
        readOr(log),
        /vigil-launch: still running 2 s after SIGTERM \(stop timeout\): sending SIGKILL\n/,
      );
      const rec = parseExitLine(readOr(exits).trim(), 0)!;
      assert.deepEqual(
        [rec.service, rec.result, rec.how, rec.signal],
        ['stubborn', 'timeout', 'killed', 'SIGKILL'],
      );
    } finally {
      // Only when the launcher failed to: its child's group, then the launcher.
      if (alive(wrapper)) process.kill(-wrapper, 'SIGKILL');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('a child that stops in time is not killed: its own exit is recorded', async () => {
    const log = fresh('ok.log');
    const exits = fresh('exits.log');
    const script = `trap 'sleep 0.5; echo bye; exit 0' TERM; echo ready; while :; do sleep 0.1; done`;
    const child = startLauncher([
      '--service',
      'polite',
      '--log',
      log,
      '--exits',
      exits,
      '--stop-timeout',
      '3',
      '--',
      '/bin/sh',
      '-c',
      script,
    ]);
    await waitFor('ready', () => readOr(log).includes('ready'), 15_000);
    child.kill('SIGTERM');
    const r = await child.done;
    assert.deepEqual([r.code, r.signal], [0, null]);
    assert.doesNotMatch(readOr(log), /stop timeout/);
    assert.match(readOr(log), /bye/);
    assert.equal(parseExitLine(readOr(exits).trim(), 0)!.result, 'success');
  });

  it('without --stop-timeout a child that ignores SIGTERM keeps running (the default: no escalation)', async () => {
    const log = fresh('none.log');
    const pidFile = fresh('pid');
    const child = startLauncher([
      '--service',
      'none',
      '--log',
      log,
      '--',
      '/bin/sh',
      '-c',
      `trap '' TERM; echo $$ > ${pidFile}; echo ready; while :; do sleep 0.1; done`,
    ]);
    await waitFor('ready', () => readOr(log).includes('ready'), 15_000);
    const sh = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(child.exitCode, null, 'still running');
      assert.ok(alive(sh));
    } finally {
      process.kill(-sh, 'SIGKILL');
      await child.done;
    }
  });
});
