/**
 * Start-up and footprint (issue 16, item 4), against real systemd with 20 services:
 *  1. `vigil status --json` through the agent (a whole process) vs `systemctl --user show` of the same 20
 *     units, without and with this machine's NODE_EXTRA_CA_CERTS; `node -e 0` for scale.
 *  2. The idle agent's RSS (and its own CPU) over a window, sampled every second from /proc.
 * Each figure for the tree's bin/vigil.js and, with --baseline BIN, for another build's bin in the same
 * run (the commands interleaved run by run, so the machine's load falls on both alike).
 * Writes test/bench/RESULTS-footprint.md. Usage: npm run bench:footprint [-- --seconds 60 --runs 30 --baseline BIN]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { StatusDoc } from '../../agent/core/status.js';
import { FIXTURES, ROOT, BIN, makeHome, run, sleep, waitFor } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { percentile, procCpuTicks, procRssBytes } from './measure.js';
import { AGENT_MALLOC_ENV, AGENT_NODE_FLAGS } from '../../agent/adapters/process/heap-bounds.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    runs: { type: 'string', default: '30' },
    baseline: { type: 'string' },
    'baseline-label': { type: 'string', default: 'baseline' },
  },
});
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const N = 20;
const bins: { label: string; bin: string }[] = [
  ...(values.baseline ? [{ label: values['baseline-label']!, bin: path.resolve(values.baseline) }] : []),
  { label: 'this tree', bin: BIN },
];

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const med = (xs: number[]) => percentile(xs, 50);
const mb = (b: number) => (b / 1024 ** 2).toFixed(1);

/** Runs every command once per round, in turn, RUNS rounds after one warm-up round; ms per command. */
async function interleaved(cmds: Record<string, () => Promise<unknown>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i <= RUNS; i++)
    for (const [k, fn] of Object.entries(cmds)) {
      const t0 = performance.now();
      await fn();
      if (i > 0) out[k]!.push(performance.now() - t0);
    }
  return out;
}

/** `vigil agent run` as its unit runs it (agent/cli/commands/agent.ts, as test/bench/run.ts's agent): node's heap flags, glibc's malloc bounds. */
async function startAgentWith(bin: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, 'agent', 'run'], {
    env: { ...AGENT_MALLOC_ENV, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor('agent listening', async () => stderr.includes('vigil agent listening') || undefined, 15_000);
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const t = await makeHome('vigil-bench-fp-');
const p = uniquePrefix();
const names = Array.from({ length: N }, (_, i) => `${p}-s${i}`);
const lines: string[] = [];
const loadAtStart = load();
try {
  const yaml = `services:\n${names.map((n) => `  ${n}:\n    command: [${path.join(FIXTURES, 'services', 'sleeper.sh')}]\n`).join('')}`;
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
  const units = names.map((n) => `vigil-${n}.service`);
  const props =
    'Id,LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainCode,ExecMainStatus,Result,StateChangeTimestamp,MemoryCurrent,CPUUsageNSec';
  // NODE_EXTRA_CA_CERTS (set on these build machines) makes every Node start parse a CA bundle; a user's
  // shell rarely has it, so the CLI is measured both ways. The agent runs with the home's env as is.
  const withCa = { ...t.env };
  const clean = { ...t.env };
  delete clean.NODE_EXTRA_CA_CERTS;
  const hasCa = withCa.NODE_EXTRA_CA_CERTS !== undefined;
  const ok = async (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const r = await run(cmd, args, env, {});
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };

  // 1. The CLI: every build's `status --json` in the same rounds, against this tree's agent.
  const agent = await startAgentWith(BIN, t.env);
  const cmds: Record<string, () => Promise<unknown>> = {
    systemctl: () => ok('systemctl', ['--user', 'show', '-p', props, '--timestamp=unix', ...units], t.env),
    node: () => ok(process.execPath, ['-e', '0'], clean),
    ...(hasCa ? { nodeCa: () => ok(process.execPath, ['-e', '0'], withCa) } : {}),
  };
  for (const { label, bin } of bins) {
    const answered = JSON.parse(
      (await ok(process.execPath, [bin, 'status', '--json'], clean)).stdout,
    ) as StatusDoc;
    if (answered.services.length !== N) throw new Error(`${label}: ${answered.services.length} services`);
    cmds[`status ${label}`] = () => ok(process.execPath, [bin, 'status', '--json'], clean);
    if (hasCa) cmds[`statusCa ${label}`] = () => ok(process.execPath, [bin, 'status', '--json'], withCa);
  }
  const times = await interleaved(cmds);
  await agent.stop();

  // 2. Each build's agent idle: started afresh, settled (the heap trim runs every 30 s), sampled every second.
  const idle: { label: string; rss: number[]; cpuPct: number }[] = [];
  for (const { label, bin } of bins) {
    const a = await startAgentWith(bin, t.env);
    await sleep(10_000);
    const c0 = procCpuTicks(a.pid);
    const t0 = performance.now();
    const rss: number[] = [];
    while (performance.now() - t0 < SECONDS * 1000) {
      await sleep(1000);
      rss.push(procRssBytes(a.pid));
    }
    const cpuPct = ((procCpuTicks(a.pid).own - c0.own) / 100 / ((performance.now() - t0) / 1000)) * 100;
    await a.stop();
    idle.push({ label, rss, cpuPct });
  }

  const ratio = (xs: number[], sc: number[]) => (med(xs) / med(sc)).toFixed(2);
  lines.push(
    '# Start-up and footprint (issue 16, item 4)',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores (shared with other jobs), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ${readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' ? 'systemd as PID 1' : 'systemd user manager started by scripts/systemd-user-up.sh'}.`,
    `Load average at start ${loadAtStart}, at end ${load()}.`,
    `Run: ${new Date().toISOString()} — ${N} services (sleeper.sh), ${RUNS} interleaved runs per command, ${SECONDS} s idle window per agent.`,
    `Builds: ${bins.map((b) => `${b.label} = ${path.relative(ROOT, b.bin) || b.bin}`).join('; ')}.`,
    '',
    '## 1. `vigil status --json` through the agent (whole process) vs `systemctl --user show` of the same 20 units',
    '',
    "All commands interleaved run by run against one agent (this tree's); ratios are p50 over p50 of `systemctl --user show`.",
    '',
    '| command | p50 ms | p95 ms | ratio to systemctl (p50) | target |',
    '|---|---|---|---|---|',
  );
  const sc = times.systemctl!;
  const row = (what: string, xs: number[] | undefined, target = '') =>
    xs
      ? `| ${what} | ${med(xs).toFixed(1)} | ${percentile(xs, 95).toFixed(1)} | ${ratio(xs, sc)} | ${target} |`
      : '';
  lines.push(
    row('systemctl --user show (baseline)', sc),
    ...bins.map((b) => row(`vigil status --json, ${b.label}`, times[`status ${b.label}`], '≤ 2.5×')),
    ...bins.map((b) =>
      row(
        `vigil status --json with NODE_EXTRA_CA_CERTS, ${b.label}`,
        times[`statusCa ${b.label}`],
        'reported',
      ),
    ),
    row('node -e 0 (Node start-up alone)', times.node),
    row('node -e 0 with NODE_EXTRA_CA_CERTS', times.nodeCa),
  );
  lines.push(
    '',
    "Vigil's own cost above Node's start-up (p50 of `status --json` minus p50 of `node -e 0`):",
    '',
  );
  for (const b of bins) {
    const ca = times[`statusCa ${b.label}`];
    lines.push(
      `- ${b.label}: ${(med(times[`status ${b.label}`]!) - med(times.node!)).toFixed(1)} ms` +
        (ca ? `; with the CA bundle ${(med(ca) - med(times.nodeCa!)).toFixed(1)} ms` : ''),
    );
  }
  lines.push(
    '',
    `## 2. The idle agent, ${N} services, ${SECONDS} s after a 10 s settle`,
    '',
    '| build | RSS median | RSS max | agent CPU (% of one core) | target |',
    '|---|---|---|---|---|',
    ...idle.map(
      (r) =>
        `| ${r.label} | ${mb(med(r.rss))} MB | ${mb(Math.max(...r.rss))} MB | ${r.cpuPct.toFixed(2)} % | RSS ≤ 55 MB |`,
    ),
    '',
  );
  writeFileSync(path.join(ROOT, 'test', 'bench', 'RESULTS-footprint.md'), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await t.cleanup();
}
