/**
 * The no-loss proof: a writer of more than 100k lines/s for 10 s through the real vigil-launch, with a
 * small max-bytes so it rotates hundreds of times. Every line is numbered; reading all the files back
 * (oldest first) must give exactly 0…N-1, in order: zero lost, zero duplicated, no NUL byte, no line split
 * across two files, no file over max-bytes.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES } from '../helpers/vigil.js';
import { requireLauncher, runLauncher } from '../helpers/launcher.js';

const FLOOD = path.join(FIXTURES, 'services', 'flood.mjs');
const MAX_BYTES = 512 * 1024;
const KEEP = 1000;
const SECONDS = 10;
const RATE = 150_000;

let dir: string;
before(() => {
  requireLauncher();
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-flood-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

it(`loses and duplicates no line at ≥100k lines/s for ${SECONDS} s, rotating every ${MAX_BYTES / 1024} KiB`, async (t) => {
  const log = path.join(dir, 'flood.log');
  const stats = path.join(dir, 'stats.json');
  const r = await runLauncher(
    ['--service', 'flood', '--log', log, '--max-bytes', String(MAX_BYTES), '--keep', String(KEEP), '--', process.execPath, FLOOD],
    { ...process.env, FLOOD_RATE: String(RATE), FLOOD_SECONDS: String(SECONDS), FLOOD_STATS: stats },
    120_000,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'the launcher had nothing to complain about');
  const written = JSON.parse(readFileSync(stats, 'utf8')) as { lines: number; seconds: number };

  const base = path.basename(log);
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`))
    .map((f) => Number(f.slice(base.length + 1)))
    .sort((a, b) => b - a); // oldest (highest number) first
  assert.ok(rotated.length < KEEP, 'kept every rotated file (none dropped by the kept count)');
  assert.deepEqual(rotated, Array.from({ length: rotated.length }, (_, i) => rotated.length - i), 'no gap in the numbering');

  let expected = 0;
  let bytes = 0;
  let duplicates = 0;
  let malformed = 0;
  const files = [...rotated.map((i) => `${log}.${i}`), log];
  for (const [i, file] of files.entries()) {
    const buf = readFileSync(file);
    bytes += buf.length;
    assert.equal(buf.indexOf(0), -1, `${path.basename(file)} holds a NUL byte`);
    assert.ok(buf.length <= MAX_BYTES, `${path.basename(file)} is ${buf.length} bytes, over max-bytes`);
    if (i < files.length - 1) assert.ok(buf.length > MAX_BYTES - 200, `${path.basename(file)} was rotated early (${buf.length} bytes)`);
    assert.equal(buf[buf.length - 1], 0x0a, `${path.basename(file)} ends inside a line`);
    for (const line of buf.toString('latin1').slice(0, -1).split('\n')) {
      const m = /^seq=(\d{9}) (x*)$/.exec(line);
      if (!m || m[2]!.length !== Number(m[1]) % 61) {
        malformed++;
        continue;
      }
      const seq = Number(m[1]);
      if (seq < expected) duplicates++;
      else assert.equal(seq, expected, `line ${expected} is missing (next found: ${seq})`);
      expected = Math.max(expected, seq + 1);
    }
  }
  const rate = Math.round(written.lines / written.seconds);
  t.diagnostic(
    `${written.lines} lines (${(bytes / 1e6).toFixed(1)} MB) in ${written.seconds.toFixed(1)} s = ${rate} lines/s; ` +
      `${files.length} files (${rotated.length} rotations); lost ${written.lines - expected}, duplicated ${duplicates}, malformed ${malformed}`,
  );
  assert.equal(malformed, 0, 'every line intact');
  assert.equal(duplicates, 0, 'no line twice');
  assert.equal(expected, written.lines, 'every line written is in the files');
  assert.ok(rotated.length >= 100, `rotated ${rotated.length} times`);
});
