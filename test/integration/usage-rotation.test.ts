/**
 * Usage ingestion that neither loses nor double-counts a line, for real: a systemd unit writes 60,000
 * llm_usage lines at 5,000 lines/s through vigil-launch, which rotates the log every 256 KB (about 60
 * rotations, more than `keep`), while the real agent ingests them every second — once left alone, once
 * killed with SIGKILL 20 times, 0.1–0.6 s after each start. Entries, tokens and the count of cut-short lines
 * must come out exact. (The full 200,000 lines with 1 MB rotation: test/bench/usage-rotation.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CUT_REASON, rotationRun, type RotationRunOptions } from '../helpers/usage-rotation.js';

const RUN: Omit<RotationRunOptions, 'kills'> = {
  lines: 60_000,
  rate: 5000,
  maxBytes: '256K',
  keep: 50,
  badEvery: 1000,
  timeoutMs: 120_000,
};

async function exact(kills: number): Promise<void> {
  // Kills 100–600 ms after each start, so that most of them come while the lines are being written.
  const r = await rotationRun({
    ...RUN,
    kills,
    killAfterMs: [100, 600],
    log: (m) => process.stderr.write(`  ${m}\n`),
  });
  assert.equal(r.written.lines, RUN.lines, 'the writer wrote every line');
  assert.ok(
    r.written.lines / r.written.seconds >= 4500,
    `written at ${Math.round(r.written.lines / r.written.seconds)} lines/s`,
  );
  assert.ok(r.files >= 40, `log files at the end: ${r.files}`);
  assert.deepEqual(r.got, r.want, `ledger (kills: ${r.kills}) vs written`);
  assert.deepEqual(r.source?.reasons, { [CUT_REASON]: r.want.rejected });
  assert.equal(r.source?.gaps ?? 0, 0, `no lines lost: ${r.source?.lastGap}`);
}

describe('usage through fast log rotation (real systemd, launcher and agent)', () => {
  it('60,000 lines at 5,000/s, rotated every 256 KB: every entry and token exactly once', () => exact(0));
  it('the same with the agent killed -9 twenty times while it ingests: still exact', () => exact(20));
});
