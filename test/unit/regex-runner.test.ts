/** The bounded regex worker: right answers, a per-batch bound that stops a pathological pattern, a live main thread. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkerRegexRunner } from '../../agent/adapters/logs/regex-runner.js';
import { tailLog } from '../../agent/adapters/logs/tail.js';
import { FileLogReader } from '../../agent/adapters/logs/reader.js';
import { isVigilError } from '../../agent/core/errors.js';

const EVIL = '(a+)+$';
const EVIL_LINE = `${'a'.repeat(40)}!`;
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-regex-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The longest gap between 10 ms interval ticks while `p` runs: how long the main thread was held. */
async function maxStall<T>(p: Promise<T>): Promise<{ value: T | Error; stallMs: number }> {
  let last = performance.now();
  let worst = 0;
  const iv = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  try {
    return { value: await p.catch((e: Error) => e), stallMs: worst };
  } finally {
    clearInterval(iv);
  }
}

const regexTimeout = (e: unknown): boolean => isVigilError(e) && e.code === 'E_REGEX_TIMEOUT';

describe('WorkerRegexRunner', () => {
  it('answers which lines match, in order, with flags', async () => {
    const r = new WorkerRegexRunner();
    try {
      assert.deepEqual(await r.match('^err\\d', 'i', ['ERR1 x', 'ok', 'err2', 'xerr3']), [
        true,
        false,
        true,
        false,
      ]);
      assert.deepEqual(await r.match('x', '', []), []);
    } finally {
      await r.close();
    }
  });

  it('stops a catastrophic pattern at the batch bound with E_REGEX_TIMEOUT, never holding the main thread; the next batch works', async () => {
    const r = new WorkerRegexRunner({ batchMs: 300 });
    try {
      await r.match('a', '', ['a']); // the worker is up: what follows measures the bound, not the start
      const t0 = performance.now();
      const { value, stallMs } = await maxStall(r.match(EVIL, '', ['ok', EVIL_LINE]));
      const took = performance.now() - t0;
      assert.ok(regexTimeout(value), `E_REGEX_TIMEOUT, got ${String(value)}`);
      assert.match((value as Error).message, /\(a\+\)\+\$.*300 ms on 2 lines/);
      assert.ok(took >= 290 && took < 3000, `stopped at the bound (${Math.round(took)} ms)`);
      assert.ok(stallMs < 150, `the main thread kept running (longest stall ${Math.round(stallMs)} ms)`);
      assert.deepEqual(
        await r.match('b', '', ['abc', 'x']),
        [true, false],
        'a fresh worker serves the next batch',
      );
      assert.equal(r.started, 2);
    } finally {
      await r.close();
    }
  });

  it('a batch queued behind a pathological one gets its own full bound', async () => {
    const r = new WorkerRegexRunner({ batchMs: 300 });
    try {
      await r.match('a', '', ['a']);
      const [evil, fine] = await Promise.allSettled([
        r.match(EVIL, '', [EVIL_LINE]),
        r.match('^ok$', '', ['ok']),
      ]);
      assert.ok(evil.status === 'rejected' && regexTimeout(evil.reason));
      assert.deepEqual(fine.status === 'fulfilled' && fine.value, [true]);
    } finally {
      await r.close();
    }
  });

  it('stops its worker after a while without work', async () => {
    const r = new WorkerRegexRunner({ idleMs: 50 });
    await r.match('a', '', ['a']);
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(await r.match('a', '', ['a']), [true]);
    assert.equal(r.started, 2, 'the idle worker was stopped, a new one started');
    await r.close();
  });

  it('tail and follow with a catastrophic regex end in E_REGEX_TIMEOUT through the worker', async () => {
    const r = new WorkerRegexRunner({ batchMs: 300 });
    const base = path.join(dir, 'svc.log');
    writeFileSync(base, `${EVIL_LINE}\n`.repeat(50));
    const grep = { pattern: EVIL, regex: true, ignoreCase: false };
    try {
      const { value, stallMs } = await maxStall(
        tailLog(base, { lines: 10, level: null, grep, timeoutMs: 10_000 }, { regex: r }),
      );
      assert.ok(regexTimeout(value), `tail: E_REGEX_TIMEOUT, got ${String(value)}`);
      assert.ok(stallMs < 150, `tail: longest stall ${Math.round(stallMs)} ms`);
      // A harmless regex through the same path still finds lines.
      writeFileSync(base, 'one\ntwo 2\nthree\nfour 4\n');
      const ok = await tailLog(
        base,
        {
          lines: 10,
          level: null,
          grep: { pattern: '\\d$', regex: true, ignoreCase: false },
          timeoutMs: 10_000,
        },
        { regex: r },
      );
      assert.deepEqual(ok.lines, ['two 2', 'four 4']);

      // follow: the first lines are harmless; the catastrophic one arrives later and ends the follow.
      const reader = new FileLogReader({ logsDir: dir, regex: r, pollMs: 20 });
      const got: string[][] = [];
      const ctl = new AbortController();
      const following = reader.follow(
        'svc',
        { lines: 5, level: null, grep, timeoutMs: 10_000 },
        (lines) => void got.push(lines),
        ctl.signal,
      );
      await new Promise((res) => setTimeout(res, 200));
      writeFileSync(base, `aaa\n${EVIL_LINE}\n`, { flag: 'a' });
      const followed = await maxStall(following);
      ctl.abort();
      assert.ok(regexTimeout(followed.value), `follow: E_REGEX_TIMEOUT, got ${String(followed.value)}`);
      assert.ok(followed.stallMs < 150, `follow: longest stall ${Math.round(followed.stallMs)} ms`);
      assert.deepEqual(got, [[]], 'nothing matched before');
    } finally {
      await r.close();
    }
  });
});
