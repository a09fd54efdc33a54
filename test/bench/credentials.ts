/**
 * Credential store benchmarks, as ratios to baselines measured in the same run:
 *  1. a set write (atomic, private, durable, previous version kept) vs a plain writeFileSync of the same bytes
 *  2. a checked read (lstat, O_NOFOLLOW, fstat, parse) vs a plain readFileSync
 *  3. the leak guard's redactor on log lines vs passing the lines through untouched, vs the redactor as
 *     it was before encodings were matched (legacy-redactor.ts), and vs the logger's split/join scrubber;
 *     on the original log (20 look-alike secrets) and on a realistic one (20 random secrets, 1 line in 20
 *     with a percent-encoded URL, 1 in 1000 with a secret in one of its encodings)
 * Writes test/bench/CREDENTIALS.md. Usage: node --import tsx test/bench/credentials.ts [--runs 500] [--lines 100000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { serializeSet, type CredentialEntry } from '../../agent/core/credentials/envfile.js';
import { createRedactor, type SecretRef } from '../../agent/core/credentials/redact.js';
import { legacyRedactor } from './legacy-redactor.js';
import { secretForms } from '../../agent/core/credentials/encodings.js';
import { scrub } from '../../agent/adapters/agent-log/logger.js';
import { percentile } from './measure.js';
import { ROOT } from '../helpers/vigil.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '500' }, lines: { type: 'string', default: '100000' } },
});
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
    [
      'ANTHROPIC_API_KEY',
      'OPENAI_API_KEY',
      'TELEGRAM_BOT_TOKEN',
      'DATABASE_URL',
      'REDIS_PASSWORD',
      'WEBHOOK_SECRET',
    ].map((key, k) => ({
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
  const secrets: SecretRef[] = Array.from({ length: 20 }, (_, i) => ({
    set: `s${i % 4}`,
    key: `KEY_${i}`,
    value: `sk-secret-${i}-${'q'.repeat(30)}`,
    version: 1,
    current: true,
  }));
  const log = Array.from({ length: LINES }, (_, i) =>
    i % 1000 === 0
      ? `2026-01-01T00:00:00Z INFO request ${i} used ${secrets[i % 20]!.value} ok`
      : `2026-01-01T00:00:00Z INFO handled request ${i} in 12 ms path=/v1/messages status=200 tokens=${i * 7}`,
  );
  const redact = createRedactor(secrets);
  const before = legacyRedactor(secrets);
  const raw = secrets.map((s) => s.value);
  const runLines = (log: readonly string[], f: (l: string) => string) => {
    let n = 0;
    const t0 = performance.now();
    for (const l of log) n += f(l).length;
    if (n === 0) throw new Error('unreachable');
    return performance.now() - t0;
  };
  const best = (log: readonly string[], f: (l: string) => string) =>
    Math.min(...[0, 1, 2, 3, 4].map(() => runLines(log, f)));
  runLines(log, (l) => l);
  const identity = best(log, (l) => l.slice(0));
  const legacy = best(log, before);
  const guarded = best(log, (l) => redact(l));
  const scrubbed = best(log, (l) => scrub(l, raw));

  // The realistic log: random 40-character keys, URLs with %XX, secrets printed in their encodings.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let seed = 42;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const randomSecrets: SecretRef[] = Array.from({ length: 20 }, (_, i) => ({
    set: `s${i % 4}`,
    key: `KEY_${i}`,
    value: `sk-${Array.from({ length: 40 }, () => alphabet[rnd(62)]).join('')}`,
    version: 1,
    current: true,
  }));
  const encodings = [
    (v: string) => v,
    (v: string) => Buffer.from(`{"k":"${v}"}`).toString('base64'),
    (v: string) => Buffer.from(v).toString('hex'),
    (v: string) => v.toUpperCase(),
    (v: string) => JSON.stringify(JSON.stringify(v)),
    (v: string) => v.replace(/-/g, '%2D'),
    (v: string) => v.slice(0, -1),
  ];
  const realistic = Array.from({ length: LINES }, (_, i) => {
    if (i % 1000 === 0)
      return `2026-01-01T00:00:00Z INFO request ${i} auth=${encodings[(i / 1000) % encodings.length]!(randomSecrets[i % 20]!.value)} ok`;
    if (i % 20 === 0)
      return `2026-01-01T00:00:00Z INFO GET /v1/search?q=caf%C3%A9%20au%20lait&page=${i % 7} status=200 ${i * 3} bytes`;
    return `2026-01-01T00:00:00Z INFO handled request ${i} in 12 ms path=/v1/messages status=200 tokens=${i * 7}`;
  });
  const redactReal = createRedactor(randomSecrets);
  const beforeReal = legacyRedactor(randomSecrets);
  const identityReal = best(realistic, (l) => l.slice(0));
  const legacyReal = best(realistic, beforeReal);
  const guardedReal = best(realistic, (l) => redactReal(l));
  const caughtBefore = realistic.filter((l) => beforeReal(l) !== l).length;
  const caughtAfter = realistic.filter((l) => redactReal(l) !== l).length;
  const leaking = realistic.filter((l, i) => i % 1000 === 0).length;
  const formsPerSecret = secretForms(randomSecrets[0]!.value).length;
  const perSec = (ms: number) => Math.round((LINES / ms) * 1000).toLocaleString('en-US');
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  lines.push(
    '# Credential store benchmarks',
    '',
    `Machine: ${cpu} × ${os.cpus().length} cores, Linux ${os.release()}, Node ${process.version}; temp dir on ${fs.statfsSync(base).type === 0x01021994 ? 'tmpfs' : 'disk'} (${base.split('/').slice(0, 2).join('/')}).`,
    `Run: ${new Date().toISOString()} — ${RUNS} runs each, a ${bytes}-byte set of 6 keys; ${LINES.toLocaleString('en-US')} log lines, 20 secrets. Load average at the end (1/5/15 min): ${load} (the 2 cores are shared with other jobs).`,
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
    '## 3. Leak guard on log lines (best of 5)',
    '',
    `Before = the redactor before encodings were matched (value, JSON, URL forms; test/bench/legacy-redactor.ts). After = \`createRedactor\` now: value, JSON, double JSON, hex, base64 and base64url × 3 alignments, deduplicated (${formsPerSecret} distinct forms for a random ${randomSecrets[0]!.value.length}-character key), each also from 3/4 of its length on, lower-cased line, one combined RegExp, then %XX/\\uXXXX decoding for lines that have such escapes.`,
    '',
    '| log | pass | total ms | lines/s | ratio to untouched |',
    '|---|---|---|---|---|',
    `| original (look-alike secrets, 1 line in 1000 with a plain value) | lines copied, nothing replaced (baseline) | ${identity.toFixed(1)} | ${perSec(identity)} | 1.0 |`,
    `| original | before | ${legacy.toFixed(1)} | ${perSec(legacy)} | ${(legacy / identity).toFixed(1)} |`,
    `| original | **after** | ${guarded.toFixed(1)} | ${perSec(guarded)} | ${(guarded / identity).toFixed(1)} |`,
    `| original | the agent log's \`scrub\` (the same matcher, \`[redacted]\`; values under 8 characters split/join) | ${scrubbed.toFixed(1)} | ${perSec(scrubbed)} | ${(scrubbed / identity).toFixed(1)} |`,
    `| realistic (random keys; 1 in 20 lines with %XX; 1 in 1000 a secret in one of 7 encodings) | lines copied (baseline) | ${identityReal.toFixed(1)} | ${perSec(identityReal)} | 1.0 |`,
    `| realistic | before | ${legacyReal.toFixed(1)} | ${perSec(legacyReal)} | ${(legacyReal / identityReal).toFixed(1)} |`,
    `| realistic | **after** | ${guardedReal.toFixed(1)} | ${perSec(guardedReal)} | ${(guardedReal / identityReal).toFixed(1)} |`,
    '',
    `Lines of the realistic log holding a secret: ${leaking}; redacted before: ${caughtBefore}, after: ${caughtAfter}. Goal: ≥ 500,000 lines/s with 20 secrets and all encodings. The 2 cores are shared with other jobs (load above): compare rows of one run; whole runs differ by up to ×5.`,
    '',
  );
  fs.writeFileSync(path.join(ROOT, 'test', 'bench', 'CREDENTIALS.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
