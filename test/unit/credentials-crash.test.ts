/**
 * Crash safety of credential writes: the writer (under umask 000) is killed with SIGKILL at random
 * moments, 50 times. After every kill the set is exactly the last acknowledged version or the one being
 * written (never partial, never missing), mode 0600, and every temp file left behind is 0600 and ours;
 * the next writer removes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { isTempName } from '../../agent/adapters/credentials/private-file.js';

const WRITER = fileURLToPath(new URL('../fixtures/credential-crash-writer.ts', import.meta.url));
const RUNS = 50;
const MAX_KILL_DELAY_MS = 150;

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

/** Starts the writer at version `first`, kills it `delayMs` after it is ready; returns the last version it acknowledged. */
function runAndKill(dir: string, first: number, delayMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (killTimer === undefined && out.startsWith('ready\n')) killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended by itself (code ${code}): ${err}`));
      const acks = out.split('\n').slice(0, -1).filter((l) => l.startsWith('w')).map((l) => Number(l.slice(1)));
      resolve(acks.length ? acks.at(-1)! : null);
    });
  });
}

const versionOf = (store: FsCredentialStore): number => {
  const set = store.read('core');
  assert.ok(set, 'the set exists after every kill');
  assert.deepEqual(set.problems, [], 'the set reads whole');
  assert.equal(set.entries.length, 200, 'all 200 keys');
  const versions = new Set(set.entries.map((e) => Number(/^v(\d+)-/.exec(e.value)![1])));
  assert.equal(versions.size, 1, `one version throughout, got ${[...versions].join(',')}`);
  return [...versions][0]!;
};

test(`kill -9 at ${RUNS} random moments: the set is always a whole version, 0600, temps private`, { timeout: 300_000 }, async (t) => {
  const seed = Number(process.env.VIGIL_CRASH_SEED ?? Date.now() % 1e9);
  const random = rng(seed);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cred-crash-'));
  const dir = path.join(base, 'credentials');
  const store = new FsCredentialStore(dir);
  let next = 1;
  let tempsSeen = 0;
  let midWrite = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      const before = run === 0 ? null : versionOf(store);
      const acked = await runAndKill(dir, next, Math.floor(random() * MAX_KILL_DELAY_MS));
      const ctx = `seed ${seed}, run ${run}, acknowledged ${acked}, before ${before}`;
      if (fs.existsSync(path.join(dir, 'core.env'))) {
        const now = versionOf(store);
        const last = acked ?? before;
        const allowed = [last, (acked ?? next - 1) + 1].filter((v) => v !== null);
        assert.ok(allowed.includes(now), `${ctx}: found version ${now}, allowed ${allowed.join(' or ')}`);
        if (now !== last) midWrite++;
        assert.equal(fs.statSync(path.join(dir, 'core.env')).mode & 0o777, 0o600, ctx);
        next = Math.max(now, acked ?? 0) + 1;
      } else assert.equal(acked, null, `${ctx}: the set vanished`);
      for (const d of [dir, path.join(dir, '.history')]) {
        if (!fs.existsSync(d)) continue;
        assert.equal(fs.statSync(d).mode & 0o777, 0o700, `${ctx}: ${d}`);
        for (const n of fs.readdirSync(d)) {
          const st = fs.lstatSync(path.join(d, n));
          if (st.isDirectory()) continue;
          if (isTempName(n)) tempsSeen++;
          assert.equal(st.mode & 0o777, 0o600, `${ctx}: ${n} is mode ${(st.mode & 0o777).toString(8)}`);
          assert.equal(st.uid, process.getuid!(), `${ctx}: ${n} owner`);
        }
      }
    }
    // A later write clears what killed writers left.
    store.write('core', [{ key: 'DONE', value: 'yes', updatedAt: 1 }]);
    const left = [dir, path.join(dir, '.history')].flatMap((d) => fs.readdirSync(d).filter(isTempName));
    assert.deepEqual(left, []);
    t.diagnostic(`seed ${seed}: ${tempsSeen} temp files left by kills (all 0600), ${midWrite} kills after the rename but before the acknowledgement`);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
