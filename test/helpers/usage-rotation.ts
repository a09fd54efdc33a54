/**
 * One run of usage ingestion through fast rotation, for real: a systemd unit (test/fixtures/services/
 * usage-flood.mjs) writes llm_usage lines at a set rate through vigil-launch, which rotates its log at
 * `maxBytes`; the real agent ingests them (`usage.intervalSec: 1`), optionally killed with SIGKILL and
 * started again `kills` times meanwhile. Returns what the ledger holds next to what was written.
 * Used by test/integration/usage-rotation.test.ts and test/bench/usage-rotation.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { UsageReport, UsageSourceDoc } from '../../agent/core/usage/report.js';
import { FIXTURES, makeHome, sleep, startAgent, type AgentProcess } from './vigil.js';
import { uniquePrefix } from './systemd.js';
import { raw } from './api-fixture.js';
import { mulberry32 } from './crash.js';

const FLOOD = path.join(FIXTURES, 'services', 'usage-flood.mjs');
/** The time every line carries (noon UTC, so the local day is this one in any time zone within ±11 h). */
export const USAGE_DAY = '2026-01-15';
const TS = Date.parse(`${USAGE_DAY}T12:00:00Z`);
/** The cut-short lines' reason (agent/core/usage/normalize.ts). */
export const CUT_REASON = 'the line is not valid JSON (cut short, or not JSON)';

export interface FloodTotals {
  entries: number;
  input: number;
  output: number;
  cacheRead: number;
  rejected: number;
}

/** What usage-flood.mjs writes, summed the same way it generates it. */
export function usageFloodTotals(lines: number, badEvery: number): FloodTotals {
  const t: FloodTotals = { entries: 0, input: 0, output: 0, cacheRead: 0, rejected: 0 };
  for (let n = 1; n <= lines; n++) {
    if (badEvery > 0 && n % badEvery === 0) {
      t.rejected++;
      continue;
    }
    t.entries++;
    t.input += 100 + ((n * 7919) % 1000);
    t.output += 1 + (n % 50);
    t.cacheRead += n % 3 === 0 ? 500 : 0;
  }
  return t;
}

export interface RotationRunOptions {
  lines: number;
  rate: number;
  /** The service's `logs.maxBytes` (manifest syntax: "256K", "1M"). */
  maxBytes: string;
  keep: number;
  /** Agent SIGKILLs (each followed by a new agent, which takes a moment to start). */
  kills: number;
  /** Time from an agent's start to its kill: random in [min, max] ms; default [200, 2200]. */
  killAfterMs?: [number, number];
  badEvery: number;
  /**
   * false: the same service and agent without `usage:` (nothing ingested; waits for the writer only), the
   * baseline for the agent's RSS (test/bench/usage-rotation.ts).
   */
  ingest?: boolean;
  seed?: number;
  /** Give up waiting for the ledger to be complete after this long. */
  timeoutMs: number;
  log?: (msg: string) => void;
  /**
   * Called once the first agent listens, with its socket, before the unit starts; the returned stop is
   * awaited after the run (before the home is removed). test/bench/ingest-stall.ts probes /api/health so.
   */
  watch?: (socketPath: string) => () => Promise<void>;
}

export interface RotationRunResult {
  want: FloodTotals;
  got: FloodTotals;
  source: UsageSourceDoc | undefined;
  /** The writer's own figures. */
  written: { lines: number; seconds: number };
  kills: number;
  /** Log files at the end (FILE and FILE.1 … FILE.K), and the highest number seen. */
  files: number;
  /** ms from the unit's start until the ledger was complete. */
  completeMs: number;
  /** The agent's largest RSS seen (MB, from /proc every 500 ms). */
  maxRssMb: number;
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function rotationRun(o: RotationRunOptions): Promise<RotationRunResult> {
  const log = o.log ?? (() => undefined);
  const t = await makeHome('vigil-usage-rot-');
  const svc = `${uniquePrefix()}-flood`;
  const stats = path.join(t.home, 'flood-stats.json');
  const socketPath = path.join(t.env.VIGIL_HOME!, 'agent.sock');
  const want = usageFloodTotals(o.lines, o.badEvery);
  let agent: AgentProcess | null = null;
  let maxRss = 0;
  let stopWatch: (() => Promise<void>) | null = null;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(agent?.child.pid))), 500);
  try {
    const yaml = `pricing:
  test-model: { input: 1, output: 1 }
services:
  ${svc}:
    command: [${process.execPath}, ${FLOOD}]
    env: { USAGE_LINES: "${o.lines}", USAGE_RATE: "${o.rate}", USAGE_BAD_EVERY: "${o.badEvery}", USAGE_TS: "${TS}", USAGE_STATS: ${JSON.stringify(stats)} }
    restart: { policy: "no" }
    logs: { maxBytes: ${o.maxBytes}, keep: ${o.keep} }
${o.ingest === false ? '' : '    usage: { log: true, intervalSec: 1 }\n'}`;
    // The agent first, then the unit: the agent is reading from the first line on.
    agent = await startAgent(t);
    stopWatch = o.watch?.(socketPath) ?? null;
    const started = Date.now();
    await t.json(['apply', '-f', t.manifest(yaml)]);
    const report = async (): Promise<UsageReport | null> => {
      try {
        const r = await raw(
          { socketPath },
          { path: `/api/usage?day=${USAGE_DAY}`, headers: { host: 'localhost' } },
        );
        return r.status === 200 ? (r.json as UsageReport) : null;
      } catch {
        return null; // the agent is being restarted
      }
    };
    const rnd = mulberry32(o.seed ?? 42);
    let kills = 0;
    while (kills < o.kills) {
      const [min, max] = o.killAfterMs ?? [200, 2200];
      await sleep(min + Math.floor(rnd() * (max - min)));
      await agent.kill();
      kills++;
      agent = await startAgent(t);
      log(`kill ${kills}: ${(await report())?.total.entries ?? '?'} entries so far`);
    }
    // Complete: the writer is done and the ledger holds every entry; then one more round adds nothing.
    const deadline = Date.now() + o.timeoutMs;
    let last: UsageReport | null = null;
    for (;;) {
      last = await report();
      if (fs.existsSync(stats) && (o.ingest === false || (last && last.total.entries >= want.entries))) break;
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    const completeMs = Date.now() - started;
    await sleep(2500);
    last = (await report()) ?? last;
    const total = last?.total;
    const source = last?.sources?.find((s) => s.service === svc && s.kind === 'log');
    const got: FloodTotals = {
      entries: total?.entries ?? 0,
      input: total?.tokens.input ?? 0,
      output: total?.tokens.output ?? 0,
      cacheRead: total?.tokens.cacheRead ?? 0,
      rejected: source?.rejected ?? 0,
    };
    const logDir = path.join(t.env.VIGIL_HOME!, 'logs');
    const files = fs.readdirSync(logDir).filter((f) => f.startsWith(`${svc}.log`)).length;
    const written = fs.existsSync(stats)
      ? (JSON.parse(fs.readFileSync(stats, 'utf8')) as { lines: number; seconds: number })
      : { lines: 0, seconds: 0 };
    return { want, got, source, written, kills, files, completeMs, maxRssMb: Math.round(maxRss * 10) / 10 };
  } finally {
    clearInterval(sampler);
    await stopWatch?.();
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  }
}
