/**
 * Credential store benchmarks, as ratios to baselines measured in the same run:
 *  1. a set write (atomic, private, durable, previous version kept) vs a plain writeFileSync of the same bytes
 *  2. a checked read (lstat, O_NOFOLLOW, fstat, parse) vs a plain readFileSync
 *  3. the leak guard's redactor on log lines vs passing the lines through untouched, and vs the
 *     logger's split/join scrubber over the same values
 * Writes test/bench/CREDENTIALS.md. Usage: node --import tsx test/bench/credentials.ts [--runs 500] [--lines 100000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { serializeSet, type CredentialEntry } from '../../agent/core/credentials/envfile.js';
import { createRedactor, type SecretRef } from '../../agent/core/credentials/redact.js';
import { scrub } from '../../agent/adapters/agent-log/logger.js';
import { percentile } from './measure.js';
import { ROOT } from '../helpers/vigil.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '500' }, lines: { type: 'string', default: '100000' } } });
const RUNS = Number(values.runs);
const LINES = Number(values.lines);

function time(n: number, fn: (i: number) => void): number[] {
  fn(-1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

const fmt = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(2));
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-cred-'));
const lines: string[] = [];
try {
  const dir = path.join(base, 'credentials');
  const store = new FsCredentialStore(dir);
  // A typical set: 6 keys, ~300 bytes.
  const entries = (i: number): CredentialEntry[] =>
    ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'TELEGRAM_BOT_TOKEN', 'DATABASE_URL', 'REDIS_PASSWORD', 'WEBHOOK_SECRET'].map((key, k) => ({
      key,
      value: `sk-${key.toLowerCase()}-${i}-${'x'.repeat(24 + k)}`,
      updatedAt: Date.now(),
    }));
  const bytes = serializeSet('bench', entries(0)).length;

  const plainFile = path.join(base, 'plain.env');
  const plain = time(RUNS, (i) => fs.writeFileSync(plainFile, serializeSet('bench', entries(i))));
  const write = time(RUNS, (i) => store.write('bench', entries(i)));
  const plainRead = time(RUNS, () => fs.readFileSync(plainFile, 'utf8'));
  const read = time(RUNS, () => store.read('bench'));

  // 3. redaction: 20 secrets; log lines of ~120 characters, 1 in 1000 holding a secret.
  const secrets: SecretRef[] = Array.from({ length: 20 }, (_, i) => ({ set: `s${i % 4}`, key: `KEY_${i}`, value: `sk-secret-${i}-${'q'.repeat(30)}`, version: 1, current: true }));
  const log = Array.from({ length: LINES }, (_, i) =>
    i % 1000 === 0 ? `2026-01-01T00:00:00Z INFO request ${i} used ${secrets[i % 20]!.value} ok` : `2026-01-01T00:00:00Z INFO handled request ${i} in 12 ms path=/v1/messages status=200 tokens=${i * 7}`,
  );
  const redact = createRedactor(secrets);
  const raw = secrets.map((s) => s.value);
  const runLines = (f: (l: string) => string) => {
    let n = 0;
    const t0 = performance.now();
    for (const l of log) n += f(l).length;
    if (n === 0) throw new Error('unreachable');
    return performance.now() - t0;
  };
  runLines((l) => l);
  const identity = Math.min(...[0, 1, 2].map(() => runLines((l) => l.slice(0))));
  const guarded = Math.min(...[0, 1, 2].map(() => runLines((l) => redact(l))));
  const scrubbed = Math.min(...[0, 1, 2].map(() => runLines((l) => scrub(l, raw))));
  const perSec = (ms: number) => Math.round((LINES / ms) * 1000).toLocaleString('en-US');

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  lines.push(
    '# Credential store benchmarks',
    '',
    `Machine: ${cpu} × ${os.cpus().length} cores, Linux ${os.release()}, Node ${process.version}; temp dir on ${fs.statfsSync(base).type === 0x01021994 ? 'tmpfs' : 'disk'} (${base.split('/').slice(0, 2).join('/')}).`,
    `Run: ${new Date().toISOString()} — ${RUNS} runs each, a ${bytes}-byte set of 6 keys; ${LINES.toLocaleString('en-US')} log lines, 20 secrets.`,
    '',
    '## 1. Writing a set',
    '',
    '| operation | p50 ms | p99 ms | ratio to plain write (p50) |',
    '|---|---|---|---|',
    `| plain \`writeFileSync\` (baseline: not atomic, not durable, umask-dependent mode) | ${fmt(percentile(plain, 50))} | ${fmt(percentile(plain, 99))} | 1.00 |`,
    `| \`FsCredentialStore.write\`: checks, previous version kept (atomic 0600 write), new version (temp O_EXCL\\|O_NOFOLLOW 0600, fsync, rename, dir fsync), prune | ${fmt(percentile(write, 50))} | ${fmt(percentile(write, 99))} | ${(percentile(write, 50) / percentile(plain, 50)).toFixed(1)} |`,
    '',
    '## 2. Reading a set',
    '',
    '| operation | p50 ms | p99 ms | ratio to plain read (p50) |',
    '|---|---|---|---|',
    `| plain \`readFileSync\` (baseline) | ${fmt(percentile(plainRead, 50))} | ${fmt(percentile(plainRead, 99))} | 1.00 |`,
    `| \`FsCredentialStore.read\`: directory check, lstat, open O_NOFOLLOW, fstat same inode, UTF-8, parse | ${fmt(percentile(read, 50))} | ${fmt(percentile(read, 99))} | ${(percentile(read, 50) / percentile(plainRead, 50)).toFixed(1)} |`,
    '',
    '## 3. Leak guard on log lines (best of 3)',
    '',
    '| pass | total ms | lines/s | ratio to untouched |',
    '|---|---|---|---|',
    `| lines copied, nothing replaced (baseline) | ${identity.toFixed(1)} | ${perSec(identity)} | 1.0 |`,
    `| \`createRedactor\` (one alternation regex, longest first; value, JSON and URL forms) | ${guarded.toFixed(1)} | ${perSec(guarded)} | ${(guarded / identity).toFixed(1)} |`,
    `| the logger's \`scrub\` (split/join per value; value and JSON forms) | ${scrubbed.toFixed(1)} | ${perSec(scrubbed)} | ${(scrubbed / identity).toFixed(1)} |`,
    '',
  );
  fs.writeFileSync(path.join(ROOT, 'test', 'bench', 'CREDENTIALS.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
