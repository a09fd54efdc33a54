/**
 * Tail and search on a generated 2.1 GB log (offsets past 2^31): the tail reads only the end; the search
 * reads it all and finds exactly what `grep -c` finds. The files are deleted afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileLogReader } from '../../agent/adapters/logs/reader.js';
import { writeBigLog, type BigLog } from '../helpers/biglog.js';

const TARGET = 2.1 * 1024 ** 3;

let dir: string;
let big: BigLog;
let reader: FileLogReader;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-biglog-'));
  big = writeBigLog(path.join(dir, 'big.log'), TARGET);
  reader = new FileLogReader({ logsDir: dir });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`a ${(TARGET / 1024 ** 3).toFixed(1)} GB log`, () => {
  it('is as big as it should be', () => {
    assert.ok(statSync(path.join(dir, 'big.log')).size > 2 * 1024 ** 3);
  });

  it('tail: the last 1000 lines, reading only the end', async () => {
    const r = await reader.tail('big', { lines: 1000, level: null, grep: null, timeoutMs: 10_000 });
    assert.deepEqual(
      r.lines.map((l) => (JSON.parse(l) as { i: number }).i),
      Array.from({ length: 1000 }, (_, i) => big.tailLines - 1000 + i),
    );
    assert.ok(r.scannedBytes < 256 * 1024, `read ${r.scannedBytes} bytes`);
    const errors = await reader.tail('big', { lines: 5, level: 50, grep: null, timeoutMs: 10_000 });
    assert.deepEqual(
      errors.lines.map((l) => (JSON.parse(l) as { i: number }).i),
      [1599, 1699, 1799, 1899, 1999],
    );
  });

  it('search: every needle in 2 GB, the same count as grep -c, in order', async (t) => {
    const file = path.join(dir, 'big.log');
    const r = await reader.search('big', {
      pattern: 'NEEDLE-',
      regex: false,
      ignoreCase: false,
      limit: 10_000,
      timeoutMs: 120_000,
      level: null,
    });
    const grepCount = Number(execFileSync('grep', ['-c', 'NEEDLE-', file], { encoding: 'utf8' }).trim());
    t.diagnostic(
      `${big.needles} needles, found ${r.matches.length} in ${r.elapsedMs} ms, grep -c says ${grepCount}`,
    );
    assert.deepEqual([r.timedOut, r.truncated], [false, false]);
    assert.equal(r.scannedBytes, statSync(file).size);
    assert.equal(r.matches.length, big.needles);
    assert.equal(grepCount, big.needles);
    assert.deepEqual(
      r.matches.map((m) => (JSON.parse(m.line) as { needle: string }).needle),
      Array.from({ length: big.needles }, (_, i) => `NEEDLE-${i}`),
    );
  });

  it('regex search agrees with grep -cE; the limit keeps the most recent', async () => {
    const file = path.join(dir, 'big.log');
    const re = '"needle":"NEEDLE-[0-9]*7"';
    const r = await reader.search('big', {
      pattern: re,
      regex: true,
      ignoreCase: false,
      limit: 10_000,
      timeoutMs: 120_000,
      level: null,
    });
    const grepCount = Number(execFileSync('grep', ['-cE', re, file], { encoding: 'utf8' }).trim());
    assert.equal(r.matches.length, grepCount);
    assert.ok(grepCount > 5);
    const last3 = await reader.search('big', {
      pattern: 'NEEDLE-',
      regex: false,
      ignoreCase: false,
      limit: 3,
      timeoutMs: 120_000,
      level: 50,
    });
    assert.deepEqual(
      last3.matches.map((m) => (JSON.parse(m.line) as { needle: string }).needle),
      [big.needles - 3, big.needles - 2, big.needles - 1].map((i) => `NEEDLE-${i}`),
    );
    assert.equal(last3.truncated, true);
    assert.ok(last3.scannedBytes < statSync(file).size / 4, 'stopped once it had the 3 most recent');
  });
});
