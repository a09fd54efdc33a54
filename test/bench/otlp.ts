/**
 * OTLP ingestion benchmark: the same usage (CALLS model calls: tokens, cache reads, 8 models, 4 services)
 * taken in three ways, in one run, round by round:
 *  - baseline: llm_usage JSON log lines through the log ingester (UsageIngester.ingestLog, as the agent);
 *  - OTLP metrics: delta `gen_ai.client.token.usage` histograms, serialized by the OpenTelemetry SDK's own
 *    protobuf serializer, POSTed to the real listener (HTTP, decode, map, price, store);
 *  - OTLP logs: GenAI log records (one per call, 512 per request as the SDK's batch processor sends them),
 *    protobuf, POSTed the same way.
 * Every path's stored totals are checked equal (tokens) before timing counts. Ratios are per round,
 * against the JSON-log ingestion of the same calls.
 * Writes test/bench/RESULTS-otlp.md. Usage: node --import tsx test/bench/otlp.ts [--calls 64000] [--rounds 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { MeterProvider, MetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { SqliteUsageLedger } from '../../agent/adapters/sqlite/usage-ledger.js';
import { FileUsageLogReader } from '../../agent/adapters/usage/log-reader.js';
import { GenaiPriceCatalog } from '../../agent/adapters/pricing/genai-catalog.js';
import { UsageIngester } from '../../agent/app/usage/ingest.js';
import { InlineChunkParser } from '../../agent/adapters/usage/inline-parser.js';
import { OtlpIngester } from '../../agent/app/usage/otlp-ingest.js';
import { OtlpDecoder } from '../../agent/adapters/otlp/decode.js';
import { startOtlpServer } from '../../agent/api/otlp-server.js';
import { boundHeapGrowth } from '../../agent/adapters/process/heap-bounds.js';
import { Calendar } from '../../agent/core/usage/tz.js';
import { percentile } from './measure.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '64000' }, rounds: { type: 'string', default: '5' } },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS-otlp.md');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-otlp-'));
boundHeapGrowth();
const median = (xs: number[]) => percentile(xs, 50);
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const SERVICES = ['core', 'planner', 'coder', 'reviewer'];
const MODELS: [string, string][] = [
  ['claude-sonnet-4-5', 'anthropic'],
  ['claude-haiku-4-5', 'anthropic'],
  ['claude-opus-4-1', 'anthropic'],
  ['gpt-4o', 'openai'],
  ['gpt-5', 'openai'],
  ['gpt-4.1-mini', 'openai'],
  ['o3', 'openai'],
  ['gpt-4o-mini', 'openai'],
];
/** Series per metrics request and service: 8 models × 8 operation names, × 3 token types. */
const OPERATIONS = ['chat', 'plan', 'code', 'review', 'summarize', 'search', 'reply', 'tool'];
const CALLS_PER_REQUEST = MODELS.length * OPERATIONS.length;

interface Call {
  service: string;
  model: string;
  provider: string;
  op: string;
  uncached: number;
  cacheRead: number;
  output: number;
  at: number;
}

const START = Date.now() - 3_600_000;
const calls: Call[] = [];
for (let i = 0; i < CALLS; i++) {
  const inReq = i % CALLS_PER_REQUEST;
  const [model, provider] = MODELS[inReq % MODELS.length]!;
  calls.push({
    service: SERVICES[Math.floor(i / CALLS_PER_REQUEST) % SERVICES.length]!,
    model,
    provider,
    op: OPERATIONS[Math.floor(inReq / MODELS.length)]!,
    uncached: 200 + ((i * 37) % 3000),
    cacheRead: (i * 53) % 2000,
    output: 50 + ((i * 11) % 900),
    at: START + i * 20,
  });
}
const expected = calls.reduce(
  (a, c) => ({
    input: a.input + c.uncached,
    cacheRead: a.cacheRead + c.cacheRead,
    output: a.output + c.output,
  }),
  { input: 0, cacheRead: 0, output: 0 },
);

// --- the inputs, built before any timing ----------------------------------------------------------------
const logFile = path.join(dir, 'usage.log');
fs.writeFileSync(
  logFile,
  calls
    .map((c, i) =>
      JSON.stringify({
        event: 'llm_usage',
        ts: new Date(c.at).toISOString(),
        service: c.service,
        model: c.model,
        provider: c.provider,
        request_id: `req_${i}`,
        input_tokens: c.uncached,
        cache_read_tokens: c.cacheRead,
        output_tokens: c.output,
      }),
    )
    .join('\n') + '\n',
);

class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One delta export per CALLS_PER_REQUEST calls of one service: 3 histogram points per call (one recording each). */
async function metricBodies(): Promise<{ bodies: Uint8Array[]; points: number }> {
  const bodies: Uint8Array[] = [];
  let points = 0;
  const providers = new Map<
    string,
    { reader: ManualReader; hist: ReturnType<ReturnType<MeterProvider['getMeter']>['createHistogram']> }
  >();
  for (const s of SERVICES) {
    const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
    const mp = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': s }),
      readers: [reader],
    });
    providers.set(s, { reader, hist: mp.getMeter('bench').createHistogram('gen_ai.client.token.usage') });
  }
  for (let i = 0; i < calls.length; i += CALLS_PER_REQUEST) {
    const batch = calls.slice(i, i + CALLS_PER_REQUEST);
    const p = providers.get(batch[0]!.service)!;
    for (const c of batch) {
      const a = {
        'gen_ai.request.model': c.model,
        'gen_ai.provider.name': c.provider,
        'gen_ai.operation.name': c.op,
      };
      p.hist.record(c.uncached + c.cacheRead, { ...a, 'gen_ai.token.type': 'input' });
      p.hist.record(c.cacheRead, { ...a, 'gen_ai.token.type': 'cache_read' });
      p.hist.record(c.output, { ...a, 'gen_ai.token.type': 'output' });
    }
    const { resourceMetrics } = await p.reader.collect();
    points += resourceMetrics.scopeMetrics.reduce(
      (n, sm) => n + sm.metrics.reduce((m, x) => m + x.dataPoints.length, 0),
      0,
    );
    bodies.push(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
    await new Promise((r) => setTimeout(r, 1)); // a later collection time for the next delta window
  }
  return { bodies, points };
}

async function logBodies(): Promise<Uint8Array[]> {
  const bodies: Uint8Array[] = [];
  for (const s of SERVICES) {
    const memory = new InMemoryLogRecordExporter();
    const lp = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': s }),
      processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    });
    const logger = lp.getLogger('bench');
    calls.forEach((c, i) => {
      if (c.service !== s) return;
      logger.emit({
        timestamp: c.at,
        body: 'gen_ai.client.inference.operation.details',
        attributes: {
          'gen_ai.request.model': c.model,
          'gen_ai.provider.name': c.provider,
          'gen_ai.response.id': `req_${i}`,
          'gen_ai.usage.input_tokens': c.uncached + c.cacheRead,
          'gen_ai.usage.cache_read.input_tokens': c.cacheRead,
          'gen_ai.usage.output_tokens': c.output,
        },
      });
    });
    await lp.forceFlush();
    const records = memory.getFinishedLogRecords();
    for (let i = 0; i < records.length; i += 512)
      bodies.push(ProtobufLogsSerializer.serializeRequest(records.slice(i, i + 512))!);
    await lp.shutdown();
  }
  return bodies;
}

const catalog = new GenaiPriceCatalog();
await catalog.ready();
const quote = (m: string, p: string | null, at: number) => catalog.quote(m, p, at);
const ctx = { pricing: undefined, calendar: new Calendar('UTC') };

function totals(store: SqliteStore): { input: number; cacheRead: number; output: number; entries: number } {
  return store.db
    .prepare(
      'SELECT COALESCE(SUM(input),0) input, COALESCE(SUM(cache_read),0) cacheRead, COALESCE(SUM(output),0) output, COUNT(*) entries FROM usage_events',
    )
    .get() as { input: number; cacheRead: number; output: number; entries: number };
}

function check(what: string, t: { input: number; cacheRead: number; output: number }): void {
  if (t.input !== expected.input || t.cacheRead !== expected.cacheRead || t.output !== expected.output)
    throw new Error(`${what}: stored ${JSON.stringify(t)}, expected ${JSON.stringify(expected)}`);
}

async function viaLog(round: number): Promise<{ ms: number; entries: number }> {
  const store = SqliteStore.open(path.join(dir, `log-${round}.db`));
  const ledger = new SqliteUsageLedger(store.db);
  const parser = new InlineChunkParser(quote);
  const ingester = new UsageIngester({
    store,
    ledger,
    reader: new FileUsageLogReader(),
    fetcher: { fetch: () => Promise.reject(new Error('none')) },
    quote,
    clock: { now: () => Date.now(), sleep: async () => undefined },
    logPath: () => logFile,
    parser,
  });
  const t0 = performance.now();
  await ingester.ingestLog('core', { metrics: false, log: { path: logFile }, intervalSec: 1 }, ctx);
  const ms = performance.now() - t0;
  await parser.close();
  await ingester.closeReader();
  const t = totals(store);
  check('JSON log', t);
  store.close();
  return { ms, entries: t.entries };
}

async function viaOtlp(
  round: number,
  what: 'metrics' | 'logs',
  bodies: readonly Uint8Array[],
  http = true,
): Promise<{ ms: number; entries: number }> {
  const store = SqliteStore.open(path.join(dir, `otlp-${what}-${http ? 'http' : 'direct'}-${round}.db`));
  const ledger = new SqliteUsageLedger(store.db);
  const ingester = new OtlpIngester({
    store,
    ledger,
    quote,
    clock: { now: () => Date.now(), sleep: async () => undefined },
    context: () => ctx,
    spec: () => ({ host: '127.0.0.1', port: 0, tokenFile: null, services: {} }),
  });
  const ok = (r: { rejected: Record<string, number> }) => {
    if (Object.keys(r.rejected).length > 0) throw new Error(JSON.stringify(r.rejected));
    return { rejected: 0, message: null };
  };
  const server = await startOtlpServer({
    host: '127.0.0.1',
    port: 0,
    token: null,
    decoder: new OtlpDecoder(),
    handlers: { metrics: (r) => ok(ingester.metrics(r)), logs: (r) => ok(ingester.logs(r)) },
  });
  const url = `http://127.0.0.1:${server.address().port}/v1/${what}`;
  const decoder = new OtlpDecoder();
  const t0 = performance.now();
  // Without HTTP: the same decoding and storing, called in process (what the listener adds is the rest).
  if (!http)
    for (const body of bodies)
      if (what === 'metrics') ok(ingester.metrics(decoder.metrics(body, false)));
      else ok(ingester.logs(decoder.logs(body, false)));
  for (const body of http ? bodies : []) {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status}`);
  }
  const ms = performance.now() - t0;
  await server.close();
  const t = totals(store);
  check(`OTLP ${what}`, t);
  store.close();
  return { ms, entries: t.entries };
}

const load0 = os.loadavg()[0]!;
const metrics = await metricBodies();
const logs = await logBodies();
const mb = (bs: readonly Uint8Array[]) => bs.reduce((n, b) => n + b.byteLength, 0) / 1024 ** 2;
const runs = { log: [] as number[], metrics: [] as number[], logs: [] as number[], direct: [] as number[] };
let entries = { log: 0, metrics: 0, logs: 0 };
for (let r = 0; r < ROUNDS; r++) {
  const a = await viaLog(r);
  const b = await viaOtlp(r, 'metrics', metrics.bodies);
  const c = await viaOtlp(r, 'logs', logs);
  const d = await viaOtlp(r, 'metrics', metrics.bodies, false);
  runs.direct.push(d.ms);
  runs.log.push(a.ms);
  runs.metrics.push(b.ms);
  runs.logs.push(c.ms);
  entries = { log: a.entries, metrics: b.entries, logs: c.entries };
  process.stderr.write(
    `round ${r + 1}: log ${a.ms.toFixed(0)} ms, OTLP metrics ${b.ms.toFixed(0)} ms, OTLP logs ${c.ms.toFixed(0)} ms\n`,
  );
}
const ratio = (xs: number[]) => median(xs.map((ms, i) => runs.log[i]! / ms));
const cpu = os.cpus();
const md = `# OTLP ingestion benchmark

Machine: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.
Run: ${new Date().toISOString()}; load average at start ${load0.toFixed(2)} (other agents' test suites share the machine); ratios are per round, back to back.
Reproduce: \`node --import tsx test/bench/otlp.ts\` (options --calls ${CALLS} --rounds ${ROUNDS}).

The same usage each way: ${fmt(CALLS)} model calls (4 services, 8 models, tokens with cache reads); every path's stored
token totals were checked equal to the calls' before its time counts. Each path runs into a fresh database, priced
by genai-prices (table loaded before timing).

- **JSON log** (baseline): ${fmt(CALLS)} flat \`llm_usage\` lines (${(fs.statSync(logFile).size / 1024 ** 2).toFixed(1)} MiB) through the agent's log ingester
  (64 KiB chunks, one transaction each) → ${fmt(entries.log)} entries.
- **OTLP metrics**: delta \`gen_ai.client.token.usage\` histograms from the SDK (\`@opentelemetry/sdk-metrics\`),
  serialized by its protobuf serializer: ${fmt(metrics.bodies.length)} requests, ${fmt(metrics.points)} data points (${mb(metrics.bodies).toFixed(1)} MiB),
  POSTed one after another to the real listener (loopback HTTP, protobufjs decode, map, price, one transaction
  per request) → ${fmt(entries.metrics)} entries (one per service, model and request).
- **OTLP logs**: one GenAI log record per call from \`@opentelemetry/sdk-logs\`, 512 per request (the batch
  processor's default): ${fmt(logs.length)} requests (${mb(logs).toFixed(1)} MiB) → ${fmt(entries.logs)} entries.

| path | median ms | calls/s | data points/s | ratio to the JSON log (calls/s), median of rounds |
|---|---|---|---|---|
| JSON log (baseline) | ${fmt(median(runs.log), 1)} | ${fmt(CALLS / (median(runs.log) / 1000))} | ${fmt((3 * CALLS) / (median(runs.log) / 1000))} (3 counts a line) | 1 |
| OTLP metrics (protobuf, delta) | ${fmt(median(runs.metrics), 1)} | ${fmt(CALLS / (median(runs.metrics) / 1000))} | **${fmt(metrics.points / (median(runs.metrics) / 1000))}** | **${ratio(runs.metrics).toFixed(2)}×** |
| OTLP metrics, decode + store only (in process, no HTTP) | ${fmt(median(runs.direct), 1)} | ${fmt(CALLS / (median(runs.direct) / 1000))} | ${fmt(metrics.points / (median(runs.direct) / 1000))} | ${ratio(runs.direct).toFixed(2)}× |
| OTLP logs (protobuf) | ${fmt(median(runs.logs), 1)} | ${fmt(CALLS / (median(runs.logs) / 1000))} | ${fmt((3 * CALLS) / (median(runs.logs) / 1000))} (3 counts a record) | **${ratio(runs.logs).toFixed(2)}×** |

All rounds (ms): JSON log ${runs.log.map((x) => x.toFixed(0)).join(', ')}; OTLP metrics ${runs.metrics.map((x) => x.toFixed(0)).join(', ')}; OTLP logs ${runs.logs.map((x) => x.toFixed(0)).join(', ')}; OTLP metrics without HTTP ${runs.direct.map((x) => x.toFixed(0)).join(', ')}.
The HTTP rows send one request at a time from a client in the same process (fetch, keep-alive): on a machine
this loaded, each round trip also waits for the scheduler, which the in-process row does not.
`;
fs.writeFileSync(OUT, md);
process.stdout.write(md);
fs.rmSync(dir, { recursive: true, force: true });
