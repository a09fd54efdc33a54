/**
 * Benchmarks of the spine against real systemd, as ratios to a baseline measured in the same run:
 *  1. `vigil status --json` (whole process; through the agent, and direct) vs `systemctl --user show` of the same 20 units
 *  2. agent CPU (% of one core) and RSS over 60 s supervising 20 services
 *  3. kill -9 → event latency (SSE) p50/p95 over 50 kills
 * Writes test/bench/RESULTS.md. Usage: npm run bench [-- --seconds 60 --kills 50]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../agent/api/client.js';
import type { StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { FIXTURES, ROOT, makeHome, run, startAgent, waitFor, sleep, BIN } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { percentile, timeRuns, procCpuTicks, procRssBytes } from './measure.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    kills: { type: 'string', default: '50' },
    runs: { type: 'string', default: '30' },
  },
});
const SECONDS = Number(values.seconds);
const KILLS = Number(values.kills);
const RUNS = Number(values.runs);
const N = 20;

const t = await makeHome('vigil-bench-');
const p = uniquePrefix();
const names = Array.from({ length: N }, (_, i) => `${p}-s${i}`);
const lines: string[] = [];
try {
  const yaml = `services:\n${names.map((n) => `  ${n}:\n    command: [${path.join(FIXTURES, 'services', 'sleeper.sh')}]\n    restart: { policy: always, delaySec: 0.1, burst: 1000, intervalSec: 1 }\n`).join('')}`;
  const applied = await t.vigil(['apply', '-f', t.manifest(yaml), '--json']);
  if (applied.code !== 0) throw new Error(applied.stderr);
  await waitFor(
    '20 running',
    async () => {
      const d = JSON.parse((await t.vigil(['status', '--json'])).stdout) as StatusDoc;
      return d.services.filter((s) => s.state === 'running').length === N || undefined;
    },
    30_000,
  );

  // 1. status vs systemctl show
  const units = names.map((n) => `vigil-${n}.service`);
  const props =
    'Id,LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainCode,ExecMainStatus,Result,StateChangeTimestamp,MemoryCurrent,CPUUsageNSec';
  // NODE_EXTRA_CA_CERTS (set on these build machines) makes every Node start parse a CA bundle (~70 ms);
  // a user's shell rarely has it, so the CLI is measured both ways.
  const clean = { ...t.env };
  delete clean.NODE_EXTRA_CA_CERTS;
  const systemctl = await timeRuns(RUNS, () =>
    run('systemctl', ['--user', 'show', '-p', props, '--timestamp=unix', ...units], t.env, {}),
  );
  const direct = await timeRuns(RUNS, () =>
    run(process.execPath, [BIN, 'status', '--json'], { ...clean, VIGIL_NO_AGENT: '1' }, {}),
  );
  const agent = await startAgent(t);
  const viaAgent = await timeRuns(RUNS, () => run(process.execPath, [BIN, 'status', '--json'], clean, {}));
  const viaAgentCa = await timeRuns(RUNS, () => run(process.execPath, [BIN, 'status', '--json'], t.env, {}));
  const nodeBare = await timeRuns(RUNS, () => run(process.execPath, ['-e', '0'], clean, {}));
  const nodeBareCa = await timeRuns(RUNS, () => run(process.execPath, ['-e', '0'], t.env, {}));

  // 2. agent CPU and RSS over SECONDS
  const pid = agent.child.pid!;
  await sleep(3000);
  const c0 = procCpuTicks(pid);
  const t0 = performance.now();
  let rssMax = 0;
  const rssSamples: number[] = [];
  while (performance.now() - t0 < SECONDS * 1000) {
    await sleep(1000);
    const rss = procRssBytes(pid);
    rssSamples.push(rss);
    rssMax = Math.max(rssMax, rss);
  }
  const c1 = procCpuTicks(pid);
  const wall = (performance.now() - t0) / 1000;
  const hz = 100;
  const ownPct = ((c1.own - c0.own) / hz / wall) * 100;
  const childPct = ((c1.children - c0.children) / hz / wall) * 100;

  // 3. kill -9 → event latency over SSE
  const api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  const ctl = new AbortController();
  const waiters = new Map<string, (e: VigilEvent) => void>();
  const streaming = api
    .streamEvents(
      {},
      (e) => {
        if (e.type === 'crashed' && e.service) waiters.get(e.service)?.(e);
      },
      ctl.signal,
    )
    .catch(() => undefined);
  await sleep(300);
  const latencies: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const name = names[i % N]!;
    const st = await waitFor('target running', async () =>
      (await api.status()).services.find((s) => s.name === name && s.state === 'running' && s.pid),
    );
    const got = new Promise<number>((resolve) => waiters.set(name, () => resolve(performance.now())));
    const killedAt = performance.now();
    process.kill(st.pid!, 'SIGKILL');
    const seenAt = await Promise.race([got, sleep(5000).then(() => NaN)]);
    waiters.delete(name);
    latencies.push(seenAt - killedAt);
  }
  ctl.abort();
  await streaming;
  await agent.stop();

  const med = (xs: number[]) => percentile(xs, 50);
  const ratio = (a: number[], b: number[]) => (med(a) / med(b)).toFixed(2);
  const missed = latencies.filter((x) => Number.isNaN(x)).length;
  const lat = latencies.filter((x) => !Number.isNaN(x));
  lines.push(
    '# Benchmarks',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ${readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' ? 'systemd as PID 1' : 'systemd user manager started by scripts/systemd-user-up.sh'}.`,
    `Run: ${new Date().toISOString()} — ${N} services (sleeper.sh), ${RUNS} runs per command, ${SECONDS} s CPU window, ${KILLS} kills.`,
    '',
    '## 1. `vigil status --json` (whole process) vs `systemctl --user show` of the same 20 units',
    '',
    '| command | p50 ms | p95 ms | ratio to systemctl (p50) | target |',
    '|---|---|---|---|---|',
    `| systemctl --user show (baseline) | ${med(systemctl).toFixed(1)} | ${percentile(systemctl, 95).toFixed(1)} | 1.00 | |`,
    `| vigil status --json, through the agent | ${med(viaAgent).toFixed(1)} | ${percentile(viaAgent, 95).toFixed(1)} | ${ratio(viaAgent, systemctl)} | ≤ 3× |`,
    `| vigil status --json, direct (no agent) | ${med(direct).toFixed(1)} | ${percentile(direct, 95).toFixed(1)} | ${ratio(direct, systemctl)} | |`,
    `| node -e 0 (Node start-up alone, for scale) | ${med(nodeBare).toFixed(1)} | ${percentile(nodeBare, 95).toFixed(1)} | ${ratio(nodeBare, systemctl)} | |`,
    `| vigil status --json through the agent, with this machine's NODE_EXTRA_CA_CERTS | ${med(viaAgentCa).toFixed(1)} | ${percentile(viaAgentCa, 95).toFixed(1)} | ${ratio(viaAgentCa, systemctl)} | |`,
    `| node -e 0 with NODE_EXTRA_CA_CERTS | ${med(nodeBareCa).toFixed(1)} | ${percentile(nodeBareCa, 95).toFixed(1)} | ${ratio(nodeBareCa, systemctl)} | |`,
    '',
    `Vigil's own cost above Node's start-up (through the agent): ${(med(viaAgent) - med(nodeBare)).toFixed(1)} ms at p50.`,
    '',
    `## 2. Agent CPU and memory over ${Math.round(wall)} s, 20 services`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| agent process CPU (% of one core) | ${ownPct.toFixed(2)} % | ≤ 0.5 % |`,
    `| its child processes (systemctl show per tick) | ${childPct.toFixed(2)} % | |`,
    `| RSS max / median | ${(rssMax / 1024 ** 2).toFixed(1)} MB / ${(med(rssSamples) / 1024 ** 2).toFixed(1)} MB | ≤ 70 MB |`,
    '',
    `## 3. kill -9 → \`crashed\` event over SSE, ${KILLS} kills`,
    '',
    '| p50 | p95 | max | missed (> 5 s) | target |',
    '|---|---|---|---|---|',
    `| ${med(lat).toFixed(0)} ms | ${percentile(lat, 95).toFixed(0)} ms | ${Math.max(...lat).toFixed(0)} ms | ${missed} | p95 ≤ 1000 ms |`,
    '',
  );
  writeFileSync(path.join(ROOT, 'test', 'bench', 'RESULTS.md'), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await t.cleanup();
}
