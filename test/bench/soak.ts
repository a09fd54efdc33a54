/**
 * Soak and stall benchmarks of the agent against real systemd (writes test/bench/RESULTS-soak.md):
 *  1. churn: 20 services, one killed (SIGKILL) every 500 ms for --minutes after --warmup minutes; the
 *     agent's RSS and CPU sampled every 10 s; growth = last sample − first sample after the warm-up.
 *     Then one `GET /api/events?limit=10000` (RSS before/after) and a minute idle.
 *  2. lock: another process holds `BEGIN EXCLUSIVE` on the database for --lock-seconds while the churn
 *     goes on: /api/health latency (every 100 ms) and whether the crashes during the lock are stored after.
 *  4. events (not in the default phases): 10,000 stored events with 20-line log tails, one
 *     `GET /api/events?limit=10000`, and the agent's RSS before, 2 s and 42 s after.
 *  3. regex: a catastrophic pattern `(a+)+$` over lines of 40 `a` and `!` on the tail, follow and search
 *     routes, over and over, while /api/health is probed every 100 ms.
 * Usage: node --import tsx test/bench/soak.ts [--minutes 20] [--warmup 3] [--lock-seconds 30]
 *        [--regex-seconds 20] [--phases churn,lock,regex] [--heap] (heap snapshots in the temp home)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../agent/api/client.js';
import type { StatusDoc } from '../../agent/core/status.js';
import { BIN, FIXTURES, ROOT, makeHome, sleep, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { percentile, procCpuTicks, procRssBytes } from './measure.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { AGENT_MALLOC_ENV, AGENT_NODE_FLAGS } from '../../agent/adapters/process/heap-bounds.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'lock-seconds': { type: 'string', default: '30' },
    'regex-seconds': { type: 'string', default: '20' },
    phases: { type: 'string', default: 'churn,lock,regex' },
    heap: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'test', 'bench', 'RESULTS-soak.md') },
  },
});
const MINUTES = Number(values.minutes);
const WARMUP = Number(values.warmup);
const LOCK_S = Number(values['lock-seconds']);
const REGEX_S = Number(values['regex-seconds']);
const PHASES = new Set(values.phases.split(','));
const N = 20;
const MB = 1024 * 1024;
const HZ = 100;

const log = (s: string): void =>
  void process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

interface Agent {
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** `vigil agent run` (from dist/), optionally writing a heap snapshot on SIGUSR2 into `cwd`. */
async function startAgent(t: TestHome, heap: boolean): Promise<Agent> {
  const args = [...AGENT_NODE_FLAGS, ...(heap ? ['--heapsnapshot-signal=SIGUSR2'] : []), BIN, 'agent', 'run'];
  const child = spawn(process.execPath, args, {
    env: { ...AGENT_MALLOC_ENV, ...t.env },
    cwd: t.home,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(
    'agent listening',
    () => {
      if (child.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
      return stderr.includes('vigil agent listening');
    },
    20_000,
    25,
  );
  return { child, stderr: () => stderr, stop: async () => (child.kill('SIGTERM'), exited) };
}

/** A heap snapshot of the agent (needs --heap): waits for the new file and names it. */
async function snapshot(t: TestHome, a: Agent, label: string): Promise<string> {
  const before = new Set(readdirSync(t.home).filter((f) => f.endsWith('.heapsnapshot')));
  a.child.kill('SIGUSR2');
  const file = await waitFor(
    'heap snapshot',
    () => readdirSync(t.home).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)),
    60_000,
    200,
  );
  let size = -1;
  await waitFor(
    'snapshot written',
    async () => {
      await sleep(500);
      const s = readFileSync(path.join(t.home, file)).length;
      const done = s === size;
      size = s;
      return done;
    },
    120_000,
    0,
  );
  const dir = path.join(ROOT, 'test-results', 'heap');
  mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, `${label}.heapsnapshot`);
  renameSync(path.join(t.home, file), dest);
  return dest;
}

/**
 * Kills a service's main process every `everyMs` until the signal aborts, round robin over the PIDs the
 * status shows running (or crash-looping). The status is fetched by its own loop (about once a second), so a slow API call
 * never sets the pace of the kills; a PID is killed once. Returns the kill count.
 */
/** Kills so far, by every churn loop (read at the start and end of a window). */
let killCount = 0;

async function churn(api: ApiClient, signal: AbortSignal, everyMs = 500): Promise<number> {
  let kills = 0;
  let pids: number[] = [];
  const killed = new Set<number>();
  const fetching = (async () => {
    while (!signal.aborted) {
      const t0 = performance.now();
      try {
        const st = await api.status();
        // 'crashloop' too: killed every 10 s, each service counts as crash-looping (3 crashes in 60 s).
        pids = st.services
          .filter((s) => (s.state === 'running' || s.state === 'crashloop') && s.pid && !killed.has(s.pid))
          .map((s) => s.pid!);
      } catch {
        // the agent was slow or blocked: the next round tries again
      }
      await sleep(Math.max(0, 1000 - (performance.now() - t0)));
    }
  })();
  let next = performance.now();
  while (!signal.aborted) {
    const pid = pids.shift();
    if (pid !== undefined && !killed.has(pid)) {
      killed.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
        kills++;
        killCount++;
      } catch {
        // gone already
      }
    }
    next += everyMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  await fetching;
  return kills;
}

/** Resident memory of a process by kind of mapping (MB): malloc's [heap], anonymous (V8, thread arenas), files. */
function rssByKind(pid: number): Record<string, number> {
  const out: Record<string, number> = { heap: 0, anon: 0, file: 0, arena: 0 };
  let kind = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[3]!.trim();
      const size = parseInt(head[2]!, 16) - parseInt(head[1]!, 16);
      // Anonymous regions of 64 MB or more are malloc's per-thread arenas (and V8's code range reservation).
      kind =
        name === '[heap]'
          ? 'heap'
          : name === ''
            ? size >= 60 * MB
              ? 'arena'
              : 'anon'
            : name.startsWith('[')
              ? 'anon'
              : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind]! += Number(rss[1]) / 1024;
  }
  return out;
}

interface Sample {
  atS: number;
  rssMB: number;
  cpuPct: number;
  kinds: Record<string, number>;
}

/** Health latencies (ms) probed every `everyMs` until the signal aborts; a failure counts as its time. */
async function probeHealth(
  socketPath: string,
  signal: AbortSignal,
  everyMs = 100,
): Promise<{ ms: number[]; failed: number }> {
  const api = new ApiClient({ socketPath, timeoutMs: 10_000 });
  const ms: number[] = [];
  let failed = 0;
  while (!signal.aborted) {
    const t0 = performance.now();
    try {
      await api.health();
    } catch {
      failed++;
    }
    const dt = performance.now() - t0;
    ms.push(dt);
    await sleep(Math.max(0, everyMs - dt));
  }
  return { ms, failed };
}

const fmt = (xs: number[]): string =>
  xs.length === 0
    ? 'n/a'
    : `p50 ${percentile(xs, 50).toFixed(1)} / p99 ${percentile(xs, 99).toFixed(1)} / max ${Math.max(...xs).toFixed(1)}`;

const out: string[] = [];
const loadBefore = os.loadavg();
const t = await makeHome('vigil-soak-');
const p = uniquePrefix();
const names = Array.from({ length: N }, (_, i) => `${p}-s${i}`);
let agent: Agent | null = null;
try {
  const yaml = `services:\n${names.map((n) => `  ${n}:\n    command: [${path.join(FIXTURES, 'services', 'sleeper.sh')}]\n    restart: { policy: always, delaySec: 0.1, burst: 1000, intervalSec: 1 }\n`).join('')}`;
  const applied = await t.vigil(['apply', '-f', t.manifest(yaml), '--json']);
  if (applied.code !== 0) throw new Error(applied.stderr);
  const socketPath = path.join(t.env.VIGIL_HOME!, 'agent.sock');
  if (PHASES.has('events')) {
    const store = SqliteStore.open(path.join(t.env.VIGIL_HOME!, 'vigil.db'));
    const at = Date.now() - 86_400_000;
    const tail = Array.from(
      { length: 20 },
      (_, j) => `2026-12-02T12:00:00.000Z INFO worker ${j}: handled request id=${'x'.repeat(40)} in 12 ms`,
    );
    store.appendEvents(
      Array.from({ length: 10_000 }, (_, i) => ({
        key: `bench:${i}`,
        at: at + i,
        service: names[i % N]!,
        type: 'crashed' as const,
        severity: 'warning' as const,
        message: `killed by SIGKILL (${i})`,
        logTail: tail,
      })),
    );
    store.close();
  }
  agent = await startAgent(t, values.heap === true);
  const pid = agent.child.pid!;
  const api = new ApiClient({ socketPath, timeoutMs: 15_000 });
  await waitFor(
    '20 running',
    async () => (await api.status()).services.filter((s) => s.state === 'running').length === N || undefined,
    60_000,
    200,
  );
  out.push(
    '# Soak and stall benchmarks',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores (shared with other jobs), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; load average at start ${loadBefore.map((x) => x.toFixed(2)).join(' ')}.`,
    `Run: ${new Date().toISOString()}; ${N} services (sleeper.sh, restart always after 0.1 s); \`node --import tsx test/bench/soak.ts ${process.argv.slice(2).join(' ')}\`.`,
    '',
  );

  if (PHASES.has('churn')) {
    log(`churn: ${WARMUP} min warm-up, then ${MINUTES} min sampled`);
    const ctl = new AbortController();
    const killing = churn(api, ctl.signal);
    await sleep(WARMUP * 60_000);
    if (values.heap) log(`snapshot: ${await snapshot(t, agent, 'after-warmup')}`);
    const samples: Sample[] = [];
    const killsAtStart = killCount;
    const t0 = performance.now();
    let c0 = procCpuTicks(pid).own;
    let w0 = performance.now();
    samples.push({ atS: 0, rssMB: procRssBytes(pid) / MB, cpuPct: NaN, kinds: rssByKind(pid) });
    while (performance.now() - t0 < MINUTES * 60_000) {
      await sleep(10_000);
      const c1 = procCpuTicks(pid).own;
      const w1 = performance.now();
      samples.push({
        atS: Math.round((w1 - t0) / 1000),
        rssMB: procRssBytes(pid) / MB,
        cpuPct: ((c1 - c0) / HZ / ((w1 - w0) / 1000)) * 100,
        kinds: rssByKind(pid),
      });
      c0 = c1;
      w0 = w1;
      const last = samples.at(-1)!;
      if (samples.length % 6 === 1)
        log(
          `t=${last.atS}s rss=${last.rssMB.toFixed(1)} MB (${Object.entries(last.kinds)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ')}) cpu=${last.cpuPct.toFixed(1)} %`,
        );
    }
    const kills = killCount - killsAtStart;
    ctl.abort();
    await killing;
    if (values.heap) log(`snapshot: ${await snapshot(t, agent, 'after-churn')}`);
    const first = samples[0]!.rssMB;
    const last = samples.at(-1)!.rssMB;
    // V8's heap saws up and down by a few MB: the growth is also given between the medians of the first
    // and the last minute of samples.
    const medianOf = (xs: Sample[]) =>
      percentile(
        xs.map((s) => s.rssMB),
        50,
      );
    const firstMin = medianOf(samples.slice(0, 7));
    const lastMin = medianOf(samples.slice(-7));
    const rss = samples.map((s) => s.rssMB);
    const cpu = samples.slice(1).map((s) => s.cpuPct);
    await sleep(60_000);
    const idle = procRssBytes(pid) / MB;
    const beforeEvents = procRssBytes(pid) / MB;
    const t1 = performance.now();
    const ev = await api.events({ limit: 10_000 });
    const eventsMs = performance.now() - t1;
    await sleep(2000);
    const afterEvents = procRssBytes(pid) / MB;
    await sleep(40_000);
    const laterEvents = procRssBytes(pid) / MB;
    out.push(
      `## 1. Churn: ${MINUTES} min after a ${WARMUP} min warm-up, one kill every 500 ms (${kills} kills in the ${MINUTES} min, ${(kills / (MINUTES * 60)).toFixed(2)}/s)`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| RSS after warm-up → end of churn | ${first.toFixed(1)} → ${last.toFixed(1)} MB | |`,
      `| **RSS growth** over the ${MINUTES} min (last − first sample) | **${(last - first).toFixed(1)} MB** | ≤ 5 MB |`,
      `| RSS growth, median of the last minute − median of the first | ${(lastMin - firstMin).toFixed(1)} MB (${firstMin.toFixed(1)} → ${lastMin.toFixed(1)}) | |`,
      `| RSS min / max while sampled | ${Math.min(...rss).toFixed(1)} / ${Math.max(...rss).toFixed(1)} MB | |`,
      `| RSS after 60 s idle | ${idle.toFixed(1)} MB | |`,
      `| agent CPU (% of one core, 10 s windows) | ${fmt(cpu).replace(/p99/, 'p99')} | |`,
      `| \`GET /api/events?limit=10000\` (${ev.events.length} events) | ${eventsMs.toFixed(0)} ms; RSS ${beforeEvents.toFixed(1)} → ${afterEvents.toFixed(1)} MB (2 s after), ${laterEvents.toFixed(1)} MB (42 s after) | |`,
      '',
      '<details><summary>samples (s, RSS MB, CPU %, RSS by mapping: malloc heap / other anonymous (V8) / 64 MB+ anonymous (thread arenas) / files MB)</summary>',
      '',
      samples
        .map(
          (s) =>
            `${s.atS} ${s.rssMB.toFixed(1)} ${Number.isNaN(s.cpuPct) ? '-' : s.cpuPct.toFixed(1)} ${s.kinds.heap!.toFixed(1)}/${s.kinds.anon!.toFixed(1)}/${s.kinds.arena!.toFixed(1)}/${s.kinds.file!.toFixed(1)}`,
        )
        .join('  \n'),
      '',
      '</details>',
      '',
    );
    log(`churn done: growth ${(last - first).toFixed(1)} MB`);
  }

  if (PHASES.has('lock')) {
    log(`lock: BEGIN EXCLUSIVE for ${LOCK_S} s`);
    const db = path.join(t.env.VIGIL_HOME!, 'vigil.db');
    const before = (await api.events({ limit: 10_000, types: ['crashed'] })).events.length;
    const ctl = new AbortController();
    const probing = probeHealth(socketPath, ctl.signal);
    const killCtl = new AbortController();
    const killing = churn(api, killCtl.signal, 2000);
    const sqlite = spawn('sqlite3', [db], { stdio: ['pipe', 'ignore', 'pipe'] });
    sqlite.stdin.write('PRAGMA busy_timeout = 5000;\nBEGIN EXCLUSIVE;\nSELECT 1;\n');
    await sleep(LOCK_S * 1000);
    const statusDuring = (await api.status()) as StatusDoc;
    killCtl.abort();
    const kills = await killing;
    sqlite.stdin.end('COMMIT;\n');
    await new Promise((r) => sqlite.on('exit', r));
    ctl.abort();
    const h = await probing;
    const stored = await waitFor(
      'crashes stored',
      async () => {
        const n = (await api.events({ limit: 10_000, types: ['crashed'] })).events.length - before;
        return n >= kills ? n : undefined;
      },
      20_000,
      250,
    ).catch(() => -1);
    out.push(
      `## 2. Database locked by another process (\`BEGIN EXCLUSIVE\`) for ${LOCK_S} s, a kill every 2 s`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| /api/health latency, every 100 ms (${h.ms.length} probes, ${h.failed} failed) | ${fmt(h.ms)} ms | p99 ≤ 50 ms |`,
      `| kills during the lock / \`crashed\` events stored after it | ${kills} / ${stored} | equal |`,
      `| services not \`running\` in the status at the lock's end | ${statusDuring.services.filter((s) => s.state !== 'running').length} | (crashes seen live) |`,
      '',
    );
    log(`lock done: ${fmt(h.ms)}`);
  }

  if (PHASES.has('events')) {
    await sleep(5000);
    const before = procRssBytes(pid) / MB;
    const t1 = performance.now();
    const ev = await api.events({ limit: 10_000 });
    const ms = performance.now() - t1;
    const bytes = Buffer.byteLength(JSON.stringify(ev));
    await sleep(2000);
    const after2 = procRssBytes(pid) / MB;
    await sleep(40_000);
    const after42 = procRssBytes(pid) / MB;
    out.push(
      '## 4. One `GET /api/events?limit=10000` (10,000 stored events with 20-line log tails)',
      '',
      '| measure | value |',
      '|---|---|',
      `| reply | ${ev.events.length} events, ${(bytes / MB).toFixed(1)} MB of JSON, ${ms.toFixed(0)} ms |`,
      `| agent RSS before → 2 s after → 42 s after | ${before.toFixed(1)} → ${after2.toFixed(1)} → ${after42.toFixed(1)} MB |`,
      '',
    );
    log(`events done: ${before.toFixed(1)} → ${after2.toFixed(1)} → ${after42.toFixed(1)} MB`);
  }

  if (PHASES.has('regex')) {
    log(`regex: catastrophic pattern for ${REGEX_S} s`);
    const name = names[0]!;
    const logFile = path.join(t.env.VIGIL_HOME!, 'logs', `${name}.log`);
    appendFileSync(logFile, `${'a'.repeat(40)}!\n`.repeat(200));
    const ctl = new AbortController();
    const probing = probeHealth(socketPath, ctl.signal);
    const slow = new ApiClient({ socketPath, timeoutMs: 60_000 });
    const grep = { pattern: '(a+)+$', regex: true, ignoreCase: false };
    const outcomes = new Map<string, string>();
    const note = (route: string, r: string): void => void outcomes.set(route, r);
    const tailLoop = (async () => {
      while (!ctl.signal.aborted) {
        await slow.call('logTail', { name }, { lines: 50, level: null, grep, timeoutMs: 10_000 }).then(
          () => note('tail', 'answered'),
          (e: Error) => note('tail', e.message.slice(0, 120)),
        );
      }
    })();
    const searchLoop = (async () => {
      while (!ctl.signal.aborted) {
        await slow.call('logSearch', { name }, { ...grep, limit: 100, level: null, timeoutMs: 2000 }).then(
          (r) => note('search', `answered, timedOut=${r.timedOut}`),
          (e: Error) => note('search', e.message.slice(0, 120)),
        );
      }
    })();
    const followLoop = (async () => {
      while (!ctl.signal.aborted) {
        const f = new AbortController();
        const stop = () => f.abort();
        ctl.signal.addEventListener('abort', stop, { once: true });
        const timer = setTimeout(stop, 3000);
        await slow
          .streamLogs(name, { lines: 0, level: null, grep, timeoutMs: 10_000 }, () => undefined, f.signal)
          .then(
            () => note('follow', 'ended'),
            (e: Error) => note('follow', e.message.slice(0, 120)),
          );
        clearTimeout(timer);
        ctl.signal.removeEventListener('abort', stop);
      }
    })();
    // The follow route meets the lines as they are written.
    const writing = (async () => {
      while (!ctl.signal.aborted) {
        appendFileSync(logFile, `${'a'.repeat(40)}!\n`);
        await sleep(500);
      }
    })();
    await sleep(REGEX_S * 1000);
    ctl.abort();
    const h = await probing;
    await Promise.race([Promise.all([tailLoop, searchLoop, followLoop, writing]), sleep(15_000)]);
    out.push(
      `## 3. A catastrophic regex \`(a+)+$\` over lines of 40 \`a\` + \`!\`, served on tail, follow and search for ${REGEX_S} s`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| /api/health latency, every 100 ms (${h.ms.length} probes, ${h.failed} failed) | ${fmt(h.ms)} ms | p99 ≤ 50 ms |`,
      ...[...outcomes].map(
        ([route, r]) => `| last answer of the ${route} route | ${r.replace(/\|/g, '\\|')} | |`,
      ),
      '',
    );
    log(`regex done: ${fmt(h.ms)}`);
  }
  const sigterm = performance.now();
  const code = await agent.stop();
  out.push(
    `Agent stopped by SIGTERM in ${(performance.now() - sigterm).toFixed(0)} ms (exit ${code}). Load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
    '',
  );
  agent = null;
  writeFileSync(values.out, out.join('\n'));
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  if (agent) await agent.stop();
  await t.cleanup();
}
