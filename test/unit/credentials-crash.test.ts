/**
 * Crash safety of credential writes: the writer (under umask 000) is killed with SIGKILL at random
 * moments, 50 times. After every kill the set is exactly the last acknowledged version or the one being
 * written (never partial, never missing), mode 0600, and every temp file left behind is 0600 and ours;
 * the next writer removes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { isTempName } from '../../agent/adapters/credentials/private-file.js';
import { crashSeed, mulberry32, runAndKill } from '../helpers/crash.js';

const WRITER = fileURLToPath(new URL('../fixtures/credential-crash-writer.ts', import.meta.url));
const RUNS = 50;
const MAX_KILL_DELAY_MS = 150;

/** Starts the writer at version `first`, kills it `delayMs` after it is ready; returns the last version it acknowledged. */
async function killWriter(dir: string, first: number, delayMs: number): Promise<number | null> {
  const { lines } = await runAndKill(['--import', 'tsx', WRITER, dir, String(first)], {
    ready: 'ready',
    killAfterMs: delayMs,
    guardMs: 20_000,
  });
  const acks = lines.filter((l) => l.startsWith('w')).map((l) => Number(l.slice(1)));
  return acks.length ? acks.at(-1)! : null;
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

test(
  `kill -9 at ${RUNS} random moments: the set is always a whole version, 0600, temps private`,
  { timeout: 300_000 },
  async (t) => {
    const seed = crashSeed();
    const random = mulberry32(seed);
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cred-crash-'));
    const dir = path.join(base, 'credentials');
    const store = new FsCredentialStore(dir);
    let next = 1;
    let tempsSeen = 0;
    let midWrite = 0;
    try {
      for (let run = 0; run < RUNS; run++) {
        // Nothing there yet when every writer so far was killed before its first write.
        const before = fs.existsSync(path.join(dir, 'core.env')) ? versionOf(store) : null;
        const acked = await killWriter(dir, next, Math.floor(random() * MAX_KILL_DELAY_MS));
        const ctx = `seed ${seed}, run ${run}, acknowledged ${acked}, before ${before}`;
        if (fs.existsSync(path.join(dir, 'core.env'))) {
          const now = versionOf(store);
          const last = acked ?? before;
          const allowed = [last, (acked ?? next - 1) + 1].filter((v) => v !== null);
          assert.ok(allowed.includes(now), `${ctx}: found version ${now}, allowed ${allowed.join(' or ')}`);
          if (now !== last) midWrite++;
          assert.equal(fs.statSync(path.join(dir, 'core.env')).mode & 0o777, 0o600, ctx);
          next = Math.max(now, acked ?? 0) + 1;
        } else assert.ok(before === null && acked === null, `${ctx}: the set vanished`);
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
      t.diagnostic(
        `seed ${seed}: ${tempsSeen} temp files left by kills (all 0600), ${midWrite} kills after the rename but before the acknowledgement`,
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  },
);
