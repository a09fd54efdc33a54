/**
 * The bounds that keep the agent's memory flat while it ingests a backlog: log chunks of at most
 * CHUNK_BYTES (so at most that many bytes' worth of lines and entries per transaction), SQLite's page cache
 * at PAGE_CACHE_KIB, and V8's heap growth and semi-space size (agent/adapters/process/heap-bounds.ts). Each test fails when its
 * bound is removed.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { usageEnv, usageLine, usageSpec, type UsageEnv } from '../helpers/usage.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { CHUNK_BYTES, UsageIngester } from '../../agent/app/usage/ingest.js';
import { FileUsageLogReader } from '../../agent/adapters/usage/log-reader.js';
import { InlineChunkParser } from '../../agent/adapters/usage/inline-parser.js';
import { openDatabase, PAGE_CACHE_KIB } from '../../agent/adapters/sqlite/db.js';
import { catalog } from '../helpers/usage.js';
import type { ChunkJob, ParsedChunk } from '../../agent/core/usage/chunk.js';
import type { LogChunk } from '../../agent/ports/usage-sources.js';
import { BURN_BUCKET_MS, BurnWindow } from '../../agent/core/usage/detect.js';
import {
  AGENT_MALLOC_ENV,
  AGENT_NODE_FLAGS,
  MAX_SEMI_SPACE_MB,
} from '../../agent/adapters/process/heap-bounds.js';
import { agentRunArgv, agentUnitEnv } from '../../agent/cli/commands/agent.js';
import { renderAgentUnit } from '../../agent/adapters/systemd/agent-unit.js';
import { vigilPaths } from '../../agent/core/paths.js';

let env: UsageEnv;
afterEach(() => env?.close());

describe('memory bounds of usage ingestion', () => {
  it('reads, parses and commits a backlog in chunks of at most CHUNK_BYTES (64 KiB), every line stored once', async () => {
    assert.ok(CHUNK_BYTES <= 64 * 1024, `CHUNK_BYTES is ${CHUNK_BYTES}`);
    env = usageEnv();
    const file = env.logPath('core');
    const lines = 4000; // ~600 KB: many chunks
    let text = '';
    for (let i = 0; i < lines; i++)
      text += usageLine({ request_id: `r${i}`, input_tokens: 10, output_tokens: 1, note: 'x'.repeat(40) });
    fs.writeFileSync(file, text);
    assert.ok(text.length > 8 * CHUNK_BYTES);
    const asked: number[] = [];
    const chunkBytes: number[] = [];
    const batches: number[] = [];
    const reader = new FileUsageLogReader();
    const inline = new InlineChunkParser(catalog.quote.bind(catalog));
    const ledger = env.ledger;
    const ingester = new UsageIngester({
      store: env.store,
      ledger: {
        record: (entries: Parameters<typeof ledger.record>[0]) => (
          batches.push(entries.length),
          ledger.record(entries)
        ),
      } as unknown as typeof ledger,
      reader: {
        read: (f, cursor, maxBytes) => (asked.push(maxBytes), reader.read(f, cursor, maxBytes)),
        committed: (f, c) => reader.committed(f, c),
        release: (c) => reader.release(c),
        close: () => reader.close(),
      },
      fetcher: env.fetcher,
      quote: catalog.quote.bind(catalog),
      clock: env.clock,
      logPath: env.logPath,
      parser: {
        parse: (chunk: LogChunk, job: ChunkJob): Promise<ParsedChunk> => (
          chunkBytes.push(chunk.data.byteLength),
          inline.parse(chunk, job)
        ),
        close: () => inline.close(),
      },
    });
    try {
      assert.equal(
        await ingester.ingestLog('core', usageSpec(), { pricing: undefined, calendar: env.calendar }),
        lines,
      );
    } finally {
      await reader.close();
    }
    assert.ok(
      asked.every((n) => n === CHUNK_BYTES),
      `reads asked for ${[...new Set(asked)].join(', ')} bytes`,
    );
    assert.ok(Math.max(...chunkBytes) <= CHUNK_BYTES, `largest chunk ${Math.max(...chunkBytes)} bytes`);
    assert.ok(chunkBytes.length >= 8, `${chunkBytes.length} chunks`);
    // A 150-byte line at least: a batch (one transaction) holds at most CHUNK_BYTES / 150 entries.
    assert.ok(
      Math.max(...batches) <= Math.ceil(CHUNK_BYTES / 150),
      `largest batch ${Math.max(...batches)} entries`,
    );
    assert.equal(
      batches.reduce((a, b) => a + b, 0),
      lines,
    );
  });

  it("SQLite's page cache is PAGE_CACHE_KIB (2 MB), not better-sqlite3's 16 MB default", () => {
    assert.ok(PAGE_CACHE_KIB <= 2048);
    const db = openDatabase(tempDbPath());
    try {
      assert.equal(db.pragma('cache_size', { simple: true }), -PAGE_CACHE_KIB);
    } finally {
      db.close();
    }
  });

  it('opening a large database (its integrity check reads every page) costs at most PAGE_CACHE_KIB of cache', () => {
    const file = tempDbPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const big = new BetterSqlite3(file);
    big.exec('CREATE TABLE pad (b BLOB)');
    const put = big.prepare('INSERT INTO pad VALUES (randomblob(4000))');
    big.transaction(() => {
      for (let i = 0; i < 20_000; i++) put.run();
    })();
    big.close();
    // Larger than 16 MB by far, so the old order (the check through a 16 MB cache) shows as ~16 MB, well
    // clear of the bound.
    assert.ok(fs.statSync(file).size > 75 * MB);
    // A fresh process (the runner's own heap and allocator are warm): RSS before and after openDatabase().
    const script = `const { openDatabase } = await import(${JSON.stringify(DB_MODULE)});
      const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
      openDatabase(':memory:').close(); // loads the native addon (better-sqlite3 loads it at the first open)
      const before = rss();
      const db = openDatabase(${JSON.stringify(file)});
      process.stdout.write(JSON.stringify([before, rss()]));
      db.close();`;
    const [before, after] = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${script}`,
        ],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          encoding: 'utf8',
        },
      ),
    ) as [number, number];
    assert.ok(
      after - before < PAGE_CACHE_KIB * 1024 + 4 * MB,
      `opening a ${(fs.statSync(file).size / MB).toFixed(0)} MB database added ${((after - before) / MB).toFixed(1)} MB of RSS`,
    );
  });

  it('the young generation stays at its size at start-up under a stream of short-lived objects (and grows without the bound)', () => {
    const [free0, free1] = heapRun('none', YOUNG);
    assert.ok(
      free1 >= 4 * free0 && free1 > 8 * MB,
      `without the bound V8 grows the new space (${free0} → ${free1} bytes; else this test shows nothing)`,
    );
    const [bound0, bound1] = heapRun('module', YOUNG);
    assert.ok(
      bound1 <= bound0 && bound1 <= 4 * MB,
      `with the bound the new space went ${(bound0 / MB).toFixed(1)} → ${(bound1 / MB).toFixed(1)} MB`,
    );
  });

  it("the agent's command line (its unit, its LaunchAgent) caps the semi-spaces, which no later flag can shrink", () => {
    const argv = agentRunArgv(undefined);
    const script = argv.findIndex((a) => a.endsWith('vigil.js'));
    assert.deepEqual(argv.slice(script + 1), ['agent', 'run']);
    const nodeFlags = argv.slice(1, script);
    assert.deepEqual(nodeFlags, [...AGENT_NODE_FLAGS]);
    // The same stream of objects, no bound set at run time: only node's flags hold the new space.
    const [, grown] = heapRun('none', YOUNG);
    const [, capped] = heapRun('none', YOUNG, nodeFlags);
    assert.ok(grown > 8 * MB, `without the flags the new space grows to ${(grown / MB).toFixed(1)} MB`);
    assert.ok(
      capped <= 2 * MAX_SEMI_SPACE_MB * MB,
      `with ${nodeFlags.join(' ')} the new space reached ${(capped / MB).toFixed(1)} MB`,
    );
  });

  it("the agent's command line turns TurboFan off: a hot function stays unoptimized (it is optimized without)", () => {
    const nodeFlags = agentRunArgv(undefined).slice(1, -3);
    const hot = `function f(x) { return (x * 31 + 7) % 1000003; }
      let s = 0; for (let i = 0; i < 3e6; i++) s += f(i);
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3e6; i++) s += f(i);
      process.stdout.write(String((%GetOptimizationStatus(f) & 16) !== 0)); // 16: optimized`;
    const optimized = (flags: readonly string[]) =>
      execFileSync(process.execPath, [...flags, '--allow-natives-syntax', '--input-type=module', '-e', hot], {
        encoding: 'utf8',
      });
    assert.equal(optimized([]), 'true', 'without the flags V8 optimizes it (else this test shows nothing)');
    assert.equal(optimized(nodeFlags), 'false', `with ${nodeFlags.join(' ')} it is optimized`);
  });

  it("the agent's systemd unit bounds glibc's allocator (two arenas, a free top above 128 KiB returned)", () => {
    const env = agentUnitEnv({ PATH: '/usr/bin' }, '/home/u/.vigil', { VIGIL_LOG_LEVEL: 'debug' });
    assert.equal(env.MALLOC_ARENA_MAX, '2');
    assert.equal(env.MALLOC_TRIM_THRESHOLD_, '131072');
    assert.deepEqual(Object.keys(env).sort(), [
      'MALLOC_ARENA_MAX',
      'MALLOC_TRIM_THRESHOLD_',
      'PATH',
      'VIGIL_HOME',
      'VIGIL_LOG_LEVEL',
    ]);
    const paths = vigilPaths({ HOME: '/home/u', VIGIL_HOME: '/home/u/.vigil' });
    const unit = renderAgentUnit(paths, agentRunArgv(undefined), env);
    for (const [k, v] of Object.entries(AGENT_MALLOC_ENV))
      assert.match(unit, new RegExp(`^Environment="?${k}=${v}"?$`, 'm'));
    assert.match(unit, /^ExecStart=\S+ "?--max-semi-space-size=1"? "?--no-opt"? /m);
    // A variable given to the install wins over the default.
    assert.equal(agentUnitEnv({}, '/h', { MALLOC_ARENA_MAX: '1' }).MALLOC_ARENA_MAX, '1');
  });

  it('the old generation is collected before promoted garbage piles up to several times the live heap', () => {
    // 10 MB live, then chunks that live through a few scavenges (promoted) before they are dropped.
    const [, semiOnly] = heapRun('semi', OLD);
    const [, bound] = heapRun('module', OLD);
    assert.ok(
      semiOnly > 50 * MB,
      `with only the young-generation bound the heap peaks at ${(semiOnly / MB).toFixed(1)} MB (else this test shows nothing)`,
    );
    assert.ok(
      bound < 0.6 * semiOnly,
      `with both bounds the heap peaks at ${(bound / MB).toFixed(1)} MB, against ${(semiOnly / MB).toFixed(1)} MB`,
    );
  });
});

describe('the burn window of the runaway detector', () => {
  it('holds one sum per second of a service, not one sample per entry, and gives the same rate', () => {
    const now = Date.UTC(2026, 10, 26, 12);
    const w = new BurnWindow(10 * 60_000);
    // 5,000 entries/s for 2 minutes, 10 tokens each, ending now.
    for (let i = 0; i < 600_000; i++) w.add('core', now - 120_000 + Math.floor(i / 5), 10, now);
    assert.ok(BURN_BUCKET_MS >= 1000 && w.size('core') <= 121, `${w.size('core')} buckets`);
    assert.equal(w.perMinute('core', now), (600_000 * 10) / 10);
  });

  it('drops samples already older than the window (a backlog of old lines) and buckets that leave it', () => {
    const now = Date.UTC(2026, 10, 26, 12);
    const w = new BurnWindow(60_000);
    for (let i = 0; i < 1000; i++) w.add('core', now - 3_600_000 + i, 5, now);
    assert.equal(w.size('core'), 0);
    w.add('core', now - 30_000, 7, now);
    assert.equal(w.perMinute('core', now), 7);
    assert.equal(w.perMinute('core', now + 40_000), 0);
    assert.equal(w.size('core'), 0);
  });
});

const MB = 1024 * 1024;
const DB_MODULE = new URL('../../agent/adapters/sqlite/db.ts', import.meta.url).href;
const MODULE = new URL('../../agent/adapters/process/heap-bounds.ts', import.meta.url).href;
/** Prints [new space before, new space after] while ~170 MB of small objects, some surviving a few scavenges, go by. */
const YOUNG = `
  const size = () => v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space').space_size;
  const before = size();
  const keep = [];
  for (let round = 0; round < 400; round++) {
    const a = [];
    for (let i = 0; i < 2000; i++) a.push({ k: 'x' + i, v: [i, i + 1] });
    keep.push(a);
    if (keep.length > 20) keep.shift();
  }
  process.stdout.write(JSON.stringify([before, size()]));`;
/** Prints [0, the largest heapUsed seen] over 10 MB held and a stream of promoted garbage. */
const OLD = `
  const live = [];
  for (let i = 0; i < 100000; i++) live.push({ k: 'live' + i, v: [i] });
  const ring = [];
  let max = 0;
  for (let r = 0; r < 3000; r++) {
    const chunk = [];
    for (let i = 0; i < 250; i++) chunk.push({ key: 'req-' + r + '-' + i, t: { a: i, b: i } });
    for (let j = 0; j < 2000; j++) ({ junk: j, s: 'x' + j });
    ring.push(chunk);
    if (ring.length > 40) ring.shift();
    if (r % 20 === 0) max = Math.max(max, process.memoryUsage().heapUsed);
  }
  process.stdout.write(JSON.stringify([0, max + live.length * 0]));`;

/**
 * Runs `body` in a child process (the test runner's own heap has already grown): without bounds, with only
 * the young-generation flag set directly, or with boundHeapGrowth() (loading TypeScript through tsx first,
 * which grows the new space a little: the bound holds it where it is at the call).
 */
function heapRun(
  mode: 'none' | 'semi' | 'module',
  body: string,
  nodeFlags: readonly string[] = [],
): [number, number] {
  const setup =
    mode === 'semi'
      ? "v8.setFlagsFromString('--semi-space-growth-factor=1');"
      : mode === 'module'
        ? `const { boundHeapGrowth } = await import(${JSON.stringify(MODULE)}); boundHeapGrowth();`
        : '';
  const script = `import v8 from 'node:v8';\n${setup}\n${body}`;
  const args = [
    ...nodeFlags,
    ...(mode === 'module' ? ['--import', 'tsx'] : []),
    '--input-type=module',
    '-e',
    script,
  ];
  return JSON.parse(
    execFileSync(process.execPath, args, {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    }),
  ) as [number, number];
}
