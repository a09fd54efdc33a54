import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';

const WRITER = fileURLToPath(new URL('../fixtures/sqlite-crash-writer.ts', import.meta.url));
const RUNS = 20;
const MAX_KILL_DELAY_MS = 120;

/** mulberry32: reproducible "random" kill moments; the seed is in the failure message. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the writer, SIGKILLs it `delayMs` after it has opened the store; returns the batches it acknowledged. */
function runAndKill(file: string, run: number, delayMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(run)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (killTimer === undefined && out.startsWith('open\n'))
        killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer run ${run} ended by itself (code ${code}, signal ${signal}): ${err}`));
        return;
      }
      // only whole lines are acknowledgements; a torn last line was not fully written
      const lines = out
        .split('\n')
        .slice(0, -1)
        .filter((l) => l !== 'open');
      resolve(lines.map(Number));
    });
  });
}

test(
  'SIGKILL at random moments never leaves a torn batch or loses an acknowledged one',
  { timeout: 60_000 },
  async (t) => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-crash-'));
    const file = path.join(dir, 'vigil.db');
    const acked = new Map<number, number>();
    let totalBatches = 0;
    try {
      for (let run = 1; run <= RUNS; run++) {
        const delay = Math.floor(random() * MAX_KILL_DELAY_MS);
        const batches = await runAndKill(file, run, delay);
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
