/**
 * kill -9 during ingestion, 50 times: the ingesting process (the agent's UsageIngester on the real log
 * reader and SQLite ledger) reads a large usage log — duplicates, lines without request ids,
 * OpenAI and Anthropic shapes, an unknown model, noise — while the log is rotated twice. After the kills
 * and a final run, the ledger's totals equal the hand-computed totals exactly and integrity_check is ok.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { crashSeed, mulberry32, runAndKill } from '../helpers/crash.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = path.join(ROOT, 'test', 'fixtures', 'usage-ingest-writer.ts');
// Bundled once to plain JS (dependencies stay in node_modules), so each of the 51 starts costs a Node
// start-up, not a TypeScript loader's too.
const WRITER = path.join(
  ROOT,
  'node_modules',
  '.cache',
  'vigil-tests',
  `usage-ingest-writer-${process.pid}.mjs`,
);
const KILLS = 50;
const MAX_KILL_DELAY_MS = 250;

interface Hand {
  costMicro: number;
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
  unpricedRequests: number;
  entries: number;
}

/** Pico-dollars per token (USD per MTok × 1e6), as published: claude-sonnet-4-5 and gpt-4o. */
const SONNET = { input: 3e6, output: 15e6, read: 0.3e6, write5m: 3.75e6, write1h: 6e6 };
const GPT4O = { input: 2.5e6, cached: 1.25e6, output: 10e6 };
const roundMicro = (pico: number) => Math.floor((pico + 500_000) / 1_000_000);

/** Generates usage lines and keeps the hand total of what is distinct in them. */
class LogGen {
  readonly hand: Hand = {
    costMicro: 0,
    requests: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cacheWrite1h: 0,
    reasoning: 0,
    unpricedRequests: 0,
    entries: 0,
  };
  private n = 0;
  private readonly earlier: string[] = [];
  constructor(private readonly r: () => number) {}

  private int(max: number): number {
    return Math.floor(this.r() * max);
  }

  lines(count: number): string {
    const out: string[] = [];
    const h = this.hand;
    for (let i = 0; i < count; i++) {
      this.n++;
      const ts = Date.UTC(2026, 10, 24) + this.n * 1500; // spans several days
      const kind = this.n % 10;
      let line: string;
      if (kind === 0 && this.earlier.length > 0) {
        line = this.earlier[this.int(this.earlier.length)]!; // an exact duplicate of an earlier request
      } else if (kind === 1) {
        line =
          this.n % 20 === 1
            ? `INFO worker ${this.n} picked a task`
            : JSON.stringify({
                level: 30,
                time: ts,
                msg: 'tool call',
                tool: 'search',
                note: 'not an llm_usage event',
              });
      } else if (kind <= 5) {
        const u = {
          input: 1 + this.int(3000),
          w5: this.int(2000),
          w1: this.int(3) === 0 ? this.int(1500) : 0,
          read: this.int(20000),
          out: 1 + this.int(1500),
        };
        line = JSON.stringify({
          event: 'llm_usage',
          model: 'claude-sonnet-4-5',
          provider: 'anthropic',
          request_id: `msg_${this.n}`,
          ts,
          usage: {
            input_tokens: u.input,
            cache_creation_input_tokens: u.w5 + u.w1,
            cache_read_input_tokens: u.read,
            cache_creation: { ephemeral_5m_input_tokens: u.w5, ephemeral_1h_input_tokens: u.w1 },
            output_tokens: u.out,
          },
        });
        h.costMicro += roundMicro(
          u.input * SONNET.input +
            u.w5 * SONNET.write5m +
            u.w1 * SONNET.write1h +
            u.read * SONNET.read +
            u.out * SONNET.output,
        );
        Object.assign(h, {
          input: h.input + u.input,
          cacheWrite: h.cacheWrite + u.w5,
          cacheWrite1h: h.cacheWrite1h + u.w1,
          cacheRead: h.cacheRead + u.read,
          output: h.output + u.out,
        });
        h.requests++;
        h.entries++;
        this.earlier.push(line);
      } else if (kind <= 8) {
        const prompt = 1 + this.int(8000);
        const cached = this.int(prompt);
        const completion = 1 + this.int(2000);
        const reasoning = this.int(completion);
        // no request id: identified by its place in the file
        line = JSON.stringify({
          event: 'llm_usage',
          model: 'gpt-4o',
          provider: 'openai',
          ts,
          usage: {
            prompt_tokens: prompt,
            completion_tokens: completion,
            prompt_tokens_details: { cached_tokens: cached },
            completion_tokens_details: { reasoning_tokens: reasoning },
          },
        });
        h.costMicro += roundMicro(
          (prompt - cached) * GPT4O.input + cached * GPT4O.cached + completion * GPT4O.output,
        );
        Object.assign(h, {
          input: h.input + prompt - cached,
          cacheRead: h.cacheRead + cached,
          output: h.output + completion,
          reasoning: h.reasoning + reasoning,
        });
        h.requests++;
        h.entries++;
      } else {
        const t = 1 + this.int(500);
        line = JSON.stringify({
          event: 'llm_usage',
          model: 'acme-llm-9000',
          request_id: `acme_${this.n}`,
          ts,
          input_tokens: t,
          output_tokens: t,
        });
        h.input += t;
        h.output += t;
        h.requests++;
        h.unpricedRequests++;
        h.entries++;
      }
      out.push(line);
    }
    return `${out.join('\n')}\n`;
  }
}

/** Runs the ingester; resolves with whether it was killed while it still had log to read. */
async function run(dbFile: string, logFile: string, killAfterMs: number | null): Promise<boolean> {
  const { stdout } = await runAndKill(
    [WRITER, dbFile, logFile, ...(killAfterMs === null ? ['finish'] : [])],
    { ready: 'open', killAfterMs, guardMs: 60_000 },
  );
  return !stdout.includes('idle\n');
}

test(
  `kill -9 during ingestion of a large, rotating usage log, ${KILLS} times: totals exact, integrity ok`,
  { timeout: 120_000 },
  async (t) => {
    buildSync({
      entryPoints: [SOURCE],
      outfile: WRITER,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    try {
      await crashLoop(t);
    } finally {
      fs.rmSync(WRITER, { force: true });
    }
  },
);

async function crashLoop(t: TestContext): Promise<void> {
  const seed = crashSeed(20261126);
  const r = mulberry32(seed);
  const gen = new LogGen(r);
  const dbFile = tempDbPath();
  const dir = path.dirname(dbFile);
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'svc.log');
  fs.writeFileSync(log, gen.lines(60_000));
  const rotate = () => {
    for (let k = 5; k >= 1; k--)
      if (fs.existsSync(`${log}.${k}`)) fs.renameSync(`${log}.${k}`, `${log}.${k + 1}`);
    fs.renameSync(log, `${log}.1`);
  };
  let midway = 0;
  for (let i = 1; i <= KILLS; i++) {
    if (i === 12 || i === 30) {
      fs.appendFileSync(log, gen.lines(4_000)); // written just before the rotation: read from the rotated file
      rotate();
      fs.writeFileSync(log, gen.lines(20_000));
    } else if (i % 5 === 0) fs.appendFileSync(log, gen.lines(2_000));
    if (await run(dbFile, log, Math.floor(r() * MAX_KILL_DELAY_MS))) midway++;
  }
  t.diagnostic(`${midway} of ${KILLS} kills landed while the log was being read (seed ${seed})`);
  assert.ok(
    midway >= 20,
    `only ${midway} kills landed during ingestion: the log is too small for this machine`,
  );
  await run(dbFile, log, null);

  const db = openDatabase(dbFile);
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `seed ${seed}`);
    const sum = (table: string, col: string) =>
      db.prepare(`SELECT COALESCE(SUM(${col}), 0) FROM ${table}`).pluck().get() as number;
    const h = gen.hand;
    assert.equal(sum('usage_events', 'cost_micro'), h.costMicro, `ledger cost (seed ${seed})`);
    assert.equal(sum('usage_daily', 'cost_micro'), h.costMicro, `rollup cost (seed ${seed})`);
    assert.equal(
      db.prepare('SELECT COUNT(*) FROM usage_events').pluck().get(),
      h.entries,
      'one entry per distinct request',
    );
    for (const [col, want] of [
      ['requests', h.requests],
      ['input', h.input],
      ['output', h.output],
      ['cache_read', h.cacheRead],
      ['cache_write', h.cacheWrite],
      ['cache_write_1h', h.cacheWrite1h],
      ['reasoning', h.reasoning],
      ['unpriced_requests', h.unpricedRequests],
    ] as const) {
      assert.equal(sum('usage_daily', col), want, `${col} (seed ${seed})`);
    }
    const days = db.prepare('SELECT COUNT(DISTINCT day) FROM usage_daily').pluck().get() as number;
    assert.ok(days >= 2, `usage spread over ${days} days`);
  } finally {
    db.close();
  }
}
