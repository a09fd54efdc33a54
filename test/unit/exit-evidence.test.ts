/**
 * Crash evidence from the moment of death (issue 12, items 5–6): the launcher's fields in exit records,
 * exit codes explained only where the shell or systemd really produced them, the restart count of a unit
 * given up on, restarts reconstructed from the exit journal, and crash tails cut where the output ended.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeExit } from '../../agent/core/supervise/decode.js';
import { restartsDone, step, type StepInput } from '../../agent/core/supervise/detect.js';
import { emptySnapshot, loopRule, type ServiceSnapshot } from '../../agent/core/supervise/model.js';
import { serviceStatus } from '../../agent/core/supervise/view.js';
import type { ExitRecord, ObservedStatus } from '../../agent/core/observed.js';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';
import { tailLines } from '../../agent/adapters/fs/log-tail.js';
import { observedRunning } from '../helpers/observed.js';

const T0 = Date.UTC(2026, 11, 2, 12);
const RAN = { ran: true as const, execError: null, logEnd: null };

describe('exit records with the launcher fields', () => {
  it('parses via, exec-error and log-end after the five fields; old records read as before', () => {
    const r = parseExitLine(
      '1795729527.164110416 web exit-code exited 217 via=vigil-launch log-end=65024:2147166:86',
      7,
    );
    assert.deepEqual(r, {
      offset: 7,
      at: 1795729527164,
      service: 'web',
      result: 'exit-code',
      how: 'exited',
      code: 217,
      signal: null,
      launcher: { ran: true, execError: null, logEnd: { dev: 65024, ino: 2147166, offset: 86 } },
    });
    const e = parseExitLine(
      '1795729527.2 web exit-code exited 127 via=vigil-launch exec-error=ENOENT log-end=1:2:3',
      0,
    );
    assert.equal(e?.launcher?.execError, 'ENOENT');
    const old = parseExitLine('1795729527.2 web signal killed KILL', 0);
    assert.equal(old?.launcher, undefined, 'a record without fields has no launcher part');
    assert.equal(old?.signal, 'SIGKILL');
  });

  it('ignores unknown keys and bad values, refuses a sixth field that is not key=value', () => {
    const r = parseExitLine(
      '1795729527.2 web exit-code exited 3 via=vigil-launch future=1 log-end=x:y:z exec-error=bad!',
      0,
    );
    assert.deepEqual(r?.launcher, { ran: true, execError: null, logEnd: null });
    assert.equal(parseExitLine('1795729527.2 web exit-code exited 3 junk', 0), null);
    assert.equal(
      parseExitLine('1795729527.2 web exit-code exited 3 log-end=1:2:3', 0)?.launcher,
      undefined,
      'no via: not from the launcher',
    );
  });
});

describe('exit codes a program chose itself', () => {
  const exited = (code: number, launcher?: ExitRecord['launcher']) =>
    decodeExit({ result: 'exit-code', how: 'exited', code, signal: null, launcher }, '/opt/x');

  it("under vigil-launch, 126, 127, 200, 203, 209, 210, 217 and 226 are the program's own codes", () => {
    for (const code of [126, 127, 200, 203, 209, 210, 217, 226]) {
      assert.equal(exited(code, RAN).reason, `exited with code ${code}`);
    }
  });

  it('an exec failure the launcher saw says what and why', () => {
    assert.equal(
      exited(127, { ...RAN, execError: 'ENOENT' }).reason,
      'could not execute /opt/x: No such file or directory',
    );
    assert.equal(
      exited(127, { ...RAN, execError: 'EACCES' }).reason,
      'could not execute /opt/x: Permission denied',
    );
    assert.equal(exited(127, { ...RAN, execError: '99' }).reason, 'could not execute /opt/x: error 99');
  });

  it("without the launcher (it never ran, or an old record) systemd's and the shell's meanings stay", () => {
    assert.match(exited(217).reason, /217\/USER/);
    assert.match(exited(203).reason, /203\/EXEC/);
    assert.match(exited(127).reason, /not found/);
  });
});

const obs = (over: Partial<ObservedStatus> = {}): ObservedStatus => observedRunning(T0, over);

function exit(offset: number, at: number, over: Partial<ExitRecord> = {}): ExitRecord {
  return { offset, at, service: 'web', result: 'exit-code', how: 'exited', code: 3, signal: null, ...over };
}

const rule = loopRule({ burst: 5, intervalSec: 60 });
function run(prev: ServiceSnapshot, over: Partial<StepInput>) {
  return step(prev, {
    service: 'web',
    observed: obs(),
    exits: [],
    policy: 'always',
    rule,
    now: T0,
    restartDelayMs: 100,
    ...over,
  });
}

describe('start-limit-hit counts the restarts that ran', () => {
  it('systemd counts the refused restart in NRestarts: 5 starts = 4 restarts', () => {
    const s = run(emptySnapshot(), {}).next;
    const gaveUp = obs({
      active: 'failed',
      sub: 'failed',
      pid: null,
      restarts: 5,
      result: 'exit-code',
      restartsCountRefused: true,
    });
    const { events } = run(s, { observed: gaveUp, now: T0 + 5000 });
    const hit = events.find((e) => e.type === 'start-limit-hit');
    assert.match(hit!.message, /restarted 4 times and was given up on/);
    assert.equal(restartsDone(obs({ restarts: 2 })), 2, 'launchd counts runs: exact');
    const status = (o: ObservedStatus) =>
      serviceStatus({
        name: 'web',
        unit: 'vigil-web.service',
        observed: o,
        snapshot: undefined,
        policy: 'always',
        rule,
        drifted: false,
        now: T0,
      }).restarts;
    assert.equal(status(gaveUp), 4, 'vigil status says the same');
    assert.equal(
      status(obs({ restarts: 3, restartsCountRefused: true })),
      3,
      'while it runs, NRestarts is exact',
    );
  });
});

describe('restarted events reconstructed from the exit journal', () => {
  it('after an outage: every exit followed by a later one was restarted, the last run is seen live', () => {
    const before = run(emptySnapshot(), {}).next;
    const exits = [exit(0, T0 + 1000), exit(60, T0 + 2000), exit(120, T0 + 3000)];
    const { events, next } = run(before, {
      exits,
      now: T0 + 9000,
      observed: obs({ pid: 104, restarts: 3, since: T0 + 3100 }),
    });
    const order = events.map((e) => e.type).filter((t) => t !== 'crashloop');
    assert.deepEqual(order, ['crashed', 'restarted', 'crashed', 'restarted', 'crashed', 'restarted']);
    const restarts = events.filter((e) => e.type === 'restarted');
    assert.deepEqual(
      restarts.slice(0, 2).map((e) => e.at),
      [T0 + 1100, T0 + 2100],
      'dated after the restart delay',
    );
    assert.equal(restarts[0]!.key, `restart-after:web:0:${T0 + 1000}`);
    assert.equal(restarts[2]!.key, `run:web:104:${T0 + 3100}`, 'the running one is the live event');
    assert.equal(next.restartDue, null);
  });

  it('given up after 5 crashes: 4 restarts, none after the last exit', () => {
    const before = run(emptySnapshot(), {}).next;
    const exits = [0, 1, 2, 3, 4].map((i) => exit(i * 60, T0 + (i + 1) * 1000));
    const failed = obs({
      active: 'failed',
      sub: 'failed',
      pid: null,
      restarts: 5,
      result: 'exit-code',
      restartsCountRefused: true,
    });
    const { events, next } = run(before, { exits, now: T0 + 9000, observed: failed });
    assert.equal(events.filter((e) => e.type === 'restarted').length, 4);
    assert.equal(events.filter((e) => e.type === 'crashed').length, 5);
    assert.equal(next.restartDue, null, 'a unit given up on has no restart due');
  });

  it('a run that came and went between two ticks is counted once, through restartDue', () => {
    const s0 = run(emptySnapshot(), {}).next;
    const waiting = obs({ active: 'activating', sub: 'auto-restart', pid: null, restarts: 0 });
    const a = run(s0, { exits: [exit(0, T0 + 1000)], observed: waiting, now: T0 + 1050 });
    assert.deepEqual(
      a.events.map((e) => e.type),
      ['crashed'],
    );
    assert.deepEqual(a.next.restartDue, { offset: 0, at: T0 + 1000 });
    const b = run(a.next, {
      exits: [exit(60, T0 + 2000)],
      observed: { ...waiting, restarts: 1 },
      now: T0 + 2050,
    });
    assert.deepEqual(
      b.events.map((e) => e.type),
      ['restarted', 'crashed'],
    );
    assert.equal(b.events[0]!.key, `restart-after:web:0:${T0 + 1000}`);
    const c = run(b.next, { observed: obs({ pid: 300, restarts: 2, since: T0 + 2200 }), now: T0 + 2300 });
    assert.deepEqual(
      c.events.map((e) => e.type),
      ['restarted'],
      'the live restart, not a reconstructed one too',
    );
    assert.equal(c.next.restartDue, null);
    assert.deepEqual(
      run(c.next, { now: T0 + 2400, observed: obs({ pid: 300, restarts: 2, since: T0 + 2200 }) }).events,
      [],
    );
  });

  it('no restart is invented after a clean stop, with restart policy no, or for a live restart', () => {
    const s0 = run(emptySnapshot(), {}).next;
    const stop = exit(0, T0 + 1000, { result: 'success', how: 'killed', code: null, signal: 'SIGTERM' });
    const two = [stop, exit(60, T0 + 2000)];
    assert.equal(
      run(s0, { exits: two, observed: obs({ pid: 101, since: T0 + 2100 }) }).events.filter((e) =>
        e.key.startsWith('restart-after'),
      ).length,
      0,
    );
    assert.equal(
      run(s0, {
        exits: [exit(0, T0 + 1000), exit(60, T0 + 2000)],
        policy: 'no',
        observed: obs({ active: 'failed', pid: null }),
      }).events.filter((e) => e.type === 'restarted').length,
      0,
    );
    const live = run(s0, {
      exits: [exit(0, T0 + 1000)],
      observed: obs({ pid: 101, restarts: 1, since: T0 + 1100 }),
    });
    assert.deepEqual(
      live.events.map((e) => e.type),
      ['crashed', 'restarted'],
    );
    assert.equal(live.next.restartDue, null);
  });
});

describe('crash tails end where the output ended', () => {
  it('reads the lines before the position, in whichever file rotation moved it to, then older files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-evidence-'));
    const log = path.join(dir, 'web.log');
    await writeFile(`${log}.1`, 'old 1\nold 2\n');
    await writeFile(log, 'run1 line 1\nrun1 line 2\n');
    const st = await stat(log);
    const end = { dev: st.dev, ino: st.ino, offset: st.size };
    await appendFile(log, 'run2 line 1\nrun2 line 2\n');
    assert.deepEqual(await tailLines(log, 3, end), ['old 2', 'run1 line 1', 'run1 line 2']);
    // Rotation: the file moves to .1 (same inode), a new one takes the name.
    await rename(`${log}.1`, `${log}.2`);
    await rename(log, `${log}.1`);
    await writeFile(log, 'run3\n');
    assert.deepEqual(await tailLines(log, 3, end), ['old 2', 'run1 line 1', 'run1 line 2']);
    assert.deepEqual(
      await tailLines(log, 2),
      ['run2 line 2', 'run3'],
      'without a position: the end as it is now',
    );
    assert.deepEqual(
      await tailLines(log, 3, { ...end, ino: end.ino + 999_999 }),
      [],
      'that file is gone: no lines rather than wrong ones',
    );
  });
});
