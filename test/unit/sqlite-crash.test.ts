import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';
import { crashSeed, mulberry32, runAndKill } from '../helpers/crash.js';

const WRITER = fileURLToPath(new URL('../fixtures/sqlite-crash-writer.ts', import.meta.url));
const RUNS = 20;
const MAX_KILL_DELAY_MS = 120;

/** Runs the writer, SIGKILLs it `delayMs` after it has opened the store; returns the batches it acknowledged. */
async function killWriter(file: string, run: number, delayMs: number): Promise<number[]> {
  const { lines } = await runAndKill(['--import', 'tsx', WRITER, file, String(run)], {
    ready: 'open',
    killAfterMs: delayMs,
    guardMs: 15_000,
  });
  return lines.filter((l) => l !== 'open').map(Number);
}

test(
  'SIGKILL at random moments never leaves a torn batch or loses an acknowledged one',
  { timeout: 60_000 },
  async (t) => {
    const seed = crashSeed();
    const random = mulberry32(seed);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-crash-'));
    const file = path.join(dir, 'vigil.db');
    const acked = new Map<number, number>();
    let totalBatches = 0;
    try {
      for (let run = 1; run <= RUNS; run++) {
        const delay = Math.floor(random() * MAX_KILL_DELAY_MS);
        const batches = await killWriter(file, run, delay);
        const ctx = `seed ${seed}, run ${run}, kill after ${delay} ms`;
        assert.deepEqual(
          batches,
          batches.map((_, i) => i + 1),
          `acks are 1, 2, 3… (${ctx})`,
        );
        acked.set(run, batches.length);

        const db = openDatabase(file);
        try {
          assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', ctx);
          const groups = db
            .prepare(
              `SELECT json_extract(data, '$.run') AS run, json_extract(data, '$.batch') AS batch,
                    json_extract(data, '$.size') AS size, count(*) AS n
             FROM events GROUP BY run, batch`,
            )
            .all() as { run: number; batch: number; size: number; n: number }[];
          for (const g of groups) assert.equal(g.n, g.size, `batch ${g.run}/${g.batch} is complete (${ctx})`);
          const maxBatch = new Map<number, number>();
          for (const g of groups) maxBatch.set(g.run, Math.max(maxBatch.get(g.run) ?? 0, g.batch));
          for (const [r, last] of acked) {
            const stored = maxBatch.get(r) ?? 0;
            assert.ok(
              stored >= last,
              `run ${r}: acknowledged batch ${last} present, found up to ${stored} (${ctx})`,
            );
            const present = groups.filter((g) => g.run === r).length;
            assert.equal(present, stored, `run ${r}: batches 1…${stored} all present (${ctx})`);
            const state = db
              .prepare('SELECT value FROM state WHERE key = ?')
              .pluck()
              .get(`crash-writer-${r}`) as string | undefined;
            assert.equal(
              state === undefined ? 0 : (JSON.parse(state) as { batch: number }).batch,
              stored,
              `state row committed with its batch (${ctx})`,
            );
          }
          if (run === RUNS) totalBatches = groups.length;
        } finally {
          db.close();
        }
      }
      const withAcks = [...acked.values()].filter((n) => n > 0).length;
      assert.ok(
        withAcks >= RUNS / 2,
        `most runs got to write before the kill (${withAcks}/${RUNS}, seed ${seed})`,
      );
      assert.ok(totalBatches > 0);
      t.diagnostic(
        `seed ${seed}: ${totalBatches} batches over ${RUNS} kills, ${withAcks} runs acknowledged writes`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
