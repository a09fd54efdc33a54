/**
 * The rotation loss check, shared by the test and the benchmark: test/fixtures/services/flood.mjs writes
 * numbered lines through the real vigil-launch; every file is read back, oldest first, and each line is
 * checked against the sequence.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './vigil.js';
import { runLauncher } from './launcher.js';

const FLOOD = path.join(FIXTURES, 'services', 'flood.mjs');

export interface FloodOptions {
  dir: string;
  maxBytes: number;
  keep: number;
  seconds: number;
  /** Lines per second the writer aims at (it writes as fast as it can up to this). */
  rate: number;
}

export interface FloodResult {
  launcherExit: number | null;
  launcherStderr: string;
  written: number;
  seconds: number;
  bytes: number;
  files: number;
  rotations: number;
  /** Rotated files numbered 1…n without a gap. */
  contiguous: boolean;
  lost: number;
  duplicated: number;
  malformed: number;
  nulFiles: number;
  /** Files larger than maxBytes. */
  oversize: number;
  /** Rotated files that do not end with a newline (a line split across two files). */
  splitEnds: number;
  /** Rotated files smaller than maxBytes minus one line (rotated early). */
  early: number;
  firstProblem: string | null;
}

export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  const log = path.join(o.dir, 'flood.log');
  const stats = path.join(o.dir, 'flood-stats.json');
  const r = await runLauncher(
    [
      '--service',
      'flood',
      '--log',
      log,
      '--max-bytes',
      String(o.maxBytes),
      '--keep',
      String(o.keep),
      '--',
      process.execPath,
      FLOOD,
    ],
    { ...process.env, FLOOD_RATE: String(o.rate), FLOOD_SECONDS: String(o.seconds), FLOOD_STATS: stats },
    o.seconds * 1000 + 120_000,
  );
  const written = JSON.parse(readFileSync(stats, 'utf8')) as { lines: number; seconds: number };
  const base = path.basename(log);
  const rotated = readdirSync(o.dir)
    .filter((f) => f.startsWith(`${base}.`))
    .map((f) => Number(f.slice(base.length + 1)))
    .sort((a, b) => b - a);
  const out: FloodResult = {
    launcherExit: r.code,
    launcherStderr: r.stderr,
    written: written.lines,
    seconds: written.seconds,
    bytes: 0,
    files: rotated.length + 1,
    rotations: rotated.length,
    contiguous: rotated.every((n, i) => n === rotated.length - i),
    lost: 0,
    duplicated: 0,
    malformed: 0,
    nulFiles: 0,
    oversize: 0,
    splitEnds: 0,
    early: 0,
    firstProblem: null,
  };
  const problem = (what: string): void => {
    out.firstProblem ??= what;
  };
  let expected = 0;
  const files = [...rotated.map((i) => `${log}.${i}`), log];
  for (const [i, file] of files.entries()) {
    const buf = readFileSync(file);
    const name = path.basename(file);
    out.bytes += buf.length;
    const rotatedFile = i < files.length - 1;
    const checks: [boolean, keyof FloodResult, string][] = [
      [buf.indexOf(0) !== -1, 'nulFiles', `NUL byte in ${name}`],
      [buf.length > o.maxBytes, 'oversize', `${name} is ${buf.length} bytes`],
      [rotatedFile && buf.length < o.maxBytes - 200, 'early', `${name} rotated at ${buf.length} bytes`],
      [buf.length > 0 && buf[buf.length - 1] !== 0x0a, 'splitEnds', `${name} ends inside a line`],
    ];
    for (const [bad, key, what] of checks) {
      if (!bad) continue;
      (out[key] as number)++;
      problem(what);
    }
    for (const line of buf.toString('latin1').split('\n')) {
      if (line === '') continue;
      const m = /^seq=(\d{9}) (x*)$/.exec(line);
      if (!m || m[2]!.length !== Number(m[1]) % 61) {
        out.malformed++;
        problem(`malformed line in ${name}: ${line.slice(0, 60)}`);
        continue;
      }
      const seq = Number(m[1]);
      if (seq < expected) {
        out.duplicated++;
        problem(`line ${seq} again in ${name}`);
      } else {
        if (seq > expected) problem(`lines ${expected}…${seq - 1} missing before ${name}`);
        out.lost += seq - expected;
        expected = seq + 1;
      }
    }
  }
  out.lost += written.lines - expected;
  if (written.lines > expected) problem(`the last ${written.lines - expected} lines are missing`);
  return out;
}
