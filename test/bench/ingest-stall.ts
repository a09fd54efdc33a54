/**
 * Does usage ingestion stall the agent's event loop? The real run of test/bench/usage-rotation.ts (systemd,
 * vigil-launch, the agent; 200,000 llm_usage lines at 5,000 lines/s, the log rotated every 1 MB, ingested
 * every second, no agent kills) while `/api/health` is asked over the agent's socket every ~20 ms from the
 * agent's start until the ledger is complete and 2.5 s more. Latencies are split at the moment the ledger
 * was complete: "during ingestion" is the part the goal is about (p99 ≤ 50 ms, issue 12). A probe that
 * fails counts as its time. Writes its section of --out (between the ingest-stall markers; the rest of the
 * file is left as it is).
 * Usage: node --import tsx test/bench/ingest-stall.ts [--lines 200000] [--rate 5000] [--every-ms 20]
 *        [--note "what else ran"] [--out test/bench/RESULTS-soak.md]
 * (needs the built agent: npx tsc -p tsconfig.build.json, and a systemd user manager).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../agent/api/client.js';
import { rotationRun } from '../helpers/usage-rotation.js';
import { sleep } from '../helpers/vigil.js';
import { percentile } from './measure.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '200000' },
    rate: { type: 'string', default: '5000' },
    'every-ms': { type: 'string', default: '20' },
    note: { type: 'string', default: '' },
    out: {
      type: 'string',
      default: path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS-soak.md'),
    },
  },
});
const LINES = Number(values.lines);
const RATE = Number(values.rate);
const EVERY = Number(values['every-ms']);
const BEGIN = '<!-- ingest-stall: begin (test/bench/ingest-stall.ts) -->';
const END = '<!-- ingest-stall: end -->';
const fmtN = (n: number) => n.toLocaleString('en-US');
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

interface Probe {
  /** ms since the probing started (the agent listens; the unit starts right after). */
  at: number;
  ms: number;
  ok: boolean;
}

const probes: Probe[] = [];
/** Asks /api/health every EVERY ms (less the time the last answer took) until stopped. */
function probeHealth(socketPath: string): () => Promise<void> {
  const api = new ApiClient({ socketPath, timeoutMs: 10_000 });
  const t0 = performance.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s = performance.now();
      const ok = await api.health().then(
        () => true,
        () => false,
      );
      const ms = performance.now() - s;
      probes.push({ at: s - t0, ms, ok });
      await sleep(Math.max(0, EVERY - ms));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

const loadAtStart = load();
process.stderr.write(
  `ingest-stall: ${fmtN(LINES)} lines at ${fmtN(RATE)}/s, /api/health every ${EVERY} ms\n`,
);
const r = await rotationRun({
  lines: LINES,
  rate: RATE,
  maxBytes: '1M',
  keep: 50,
  kills: 0,
  badEvery: 1000,
  timeoutMs: 600_000,
  watch: probeHealth,
});
const loadAtEnd = load();
const during = probes.filter((p) => p.at <= r.completeMs);
const after = probes.filter((p) => p.at > r.completeMs);
const stats = (ps: Probe[]) => {
  const ms = ps.map((p) => p.ms);
  return ms.length === 0
    ? 'n/a'
    : `${fmtN(ms.length)} probes, ${ps.filter((p) => !p.ok).length} failed | ${percentile(ms, 50).toFixed(1)} | **${percentile(ms, 99).toFixed(1)}** | ${Math.max(...ms).toFixed(1)} | ${ms.filter((x) => x > 50).length}`;
};
const exact = JSON.stringify(r.got) === JSON.stringify(r.want) && (r.source?.gaps ?? 0) === 0;
const p99 = percentile(
  during.map((p) => p.ms),
  99,
);
const slowest = [...during].sort((a, b) => b.ms - a.ms).slice(0, 5);
const cpu = os.cpus();
const section = [
  BEGIN,
  '## /api/health while 200,000 usage lines are ingested (test/bench/ingest-stall.ts)',
  '',
  `Machine: ${cpu[0]?.model ?? '?'} × ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}; shared with other work: load average (1/5/15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end.${values.note ? ` ${values.note}` : ''}`,
  `Run: ${new Date().toISOString()}. Reproduce: \`node --import tsx test/bench/ingest-stall.ts\` (--lines ${LINES} --rate ${RATE} --every-ms ${EVERY}; needs \`npx tsc -p tsconfig.build.json\` first).`,
  '',
  `A systemd unit writes ${fmtN(LINES)} llm_usage lines at ${fmtN(RATE)} lines/s through vigil-launch (rotation at 1 MB, keep 50); the agent ingests every second, parsing on its own thread in 64 KiB chunks. \`/api/health\` is asked over the agent's socket every ${EVERY} ms (less the last answer's time), from the agent's start until 2.5 s after the ledger was complete (${(r.completeMs / 1000).toFixed(1)} s after the unit's start; written: ${fmtN(r.written.lines)} lines in ${r.written.seconds.toFixed(1)} s). Ledger exact: **${exact ? 'yes' : 'NO'}** (${fmtN(r.got.entries)} / ${fmtN(r.want.entries)} entries, ${fmtN(r.got.rejected)} / ${fmtN(r.want.rejected)} rejected). Agent max RSS ${r.maxRssMb} MB.`,
  '',
  '| window | probes | p50 ms | p99 ms | max ms | probes > 50 ms |',
  '|---|---|---|---|---|---|',
  `| during ingestion (target p99 ≤ 50 ms) | ${stats(during)} |`,
  `| after (ledger complete) | ${stats(after)} |`,
  '',
  `Slowest probes during ingestion (s after the start: ms): ${slowest.map((p) => `${(p.at / 1000).toFixed(1)}: ${p.ms.toFixed(0)}`).join(', ')}.`,
  END,
].join('\n');
const before = fs.existsSync(values.out)
  ? fs.readFileSync(values.out, 'utf8')
  : '# Soak and stall benchmarks\n';
const a = before.indexOf(BEGIN);
const b = before.indexOf(END);
fs.writeFileSync(
  values.out,
  a !== -1 && b !== -1
    ? `${before.slice(0, a)}${section}${before.slice(b + END.length)}`
    : `${before.trimEnd()}\n\n${section}\n`,
);
process.stdout.write(`${section}\n`);
if (!exact || !(p99 <= 50)) process.exitCode = 1;
