/**
 * Benchmarks of the spine against real systemd, as ratios to a baseline measured in the same run, with the
 * same 20 `/bin/sleep` services under Vigil and under PM2 (devDependency, used only here):
 *  1. `vigil status --json` (whole process; through the agent, and direct) vs `systemctl --user show` of
 *     the same 20 units, with and without NODE_EXTRA_CA_CERTS; `pm2 jlist` for scale
 *  2. idle, side by side over the same window: the agent's CPU (itself + its reaped children) and RSS, and
 *     PM2's God daemon's (itself + children), from /proc
 *  3. kill -9 → `crashed` event on the SSE stream, p50/p95: over --kills kills of the service's program
 *     (a service crashing: its launcher, the parent, reaps it and writes the exit record at once), and over
 *     --launcher-kills kills of the launcher itself (the unit's MainPID, the pid `vigil status` shows: only
 *     systemd sees that end, and its ExecStopPost= hook writes the record)
 *  4. churn: 2 kills/s across the 20 services for --churn-seconds, program and launcher in turn: missed
 *     and duplicated events, CPU
 * Writes test/bench/RESULTS.md (or --out).
 * Usage: npm run bench [-- --seconds 120 --kills 50 --launcher-kills 20 --churn-seconds 300]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../agent/api/client.js';
import type { StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { ROOT, makeHome, run, startAgent, waitFor, sleep, BIN } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { percentile, timeRuns, procCpuTicks, procRssBytes, programPid } from './measure.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    kills: { type: 'string', default: '50' },
    'launcher-kills': { type: 'string', default: '20' },
    runs: { type: 'string', default: '30' },
    'churn-seconds': { type: 'string', default: '300' },
    out: { type: 'string', default: path.join(ROOT, 'test', 'bench', 'RESULTS.md') },
  },
});
const CHURN_S = Number(values['churn-seconds']);
const PM2_BIN = path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const load0 = os.loadavg();
const SECONDS = Number(values.seconds);
const KILLS = Number(values.kills);
const LAUNCHER_KILLS = Number(values['launcher-kills']);
const RUNS = Number(values.runs);
const N = 20;
const HZ = 100;

const t = await makeHome('vigil-bench-');
const p = uniquePrefix();
const names = Array.from({ length: N }, (_, i) => `${p}-s${i}`);
const lines: string[] = [];
// Stopped on the way out of a failure too (a timed-out wait), not left running beside the next run.
let agent: Awaited<ReturnType<typeof startAgent>> | null = null;
try {
  const yaml = `services:\n${names.map((n) => `  ${n}:\n    command: [/bin/sleep, "1000000"]\n    restart: { policy: always, delaySec: 0.1, burst: 1000, intervalSec: 1 }\n`).join('')}`;
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
  agent = await startAgent(t);
  const viaAgent = await timeRuns(RUNS, () => run(process.execPath, [BIN, 'status', '--json'], clean, {}));
  const viaAgentCa = await timeRuns(RUNS, () => run(process.execPath, [BIN, 'status', '--json'], t.env, {}));
  const nodeBare = await timeRuns(RUNS, () => run(process.execPath, ['-e', '0'], clean, {}));
  const nodeBareCa = await timeRuns(RUNS, () => run(process.execPath, ['-e', '0'], t.env, {}));

  // PM2 with the same 20 services, its own PM2_HOME.
  const pm2Env = { ...clean, PM2_HOME: path.join(t.home, 'pm2') };
  const pm2 = (args: string[]) => run(process.execPath, [PM2_BIN, ...args], pm2Env, { timeoutMs: 60_000 });
  for (const n of names) {
    const r = await pm2(['start', '/bin/sleep', '--name', n, '--interpreter', 'none', '--', '1000000']);
    if (r.code !== 0) throw new Error(`pm2 start: ${r.stderr}`);
  }
  const pm2Pid = Number(readFileSync(path.join(pm2Env.PM2_HOME, 'pm2.pid'), 'utf8').trim());
  const jlist = await timeRuns(Math.min(RUNS, 10), () => pm2(['jlist']));

  // 2. idle, side by side: both supervisors over the same window, nothing happening.
  const pid = agent.child.pid!;
  const api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  await waitFor(
    'every service healthy',
    async () => (await api.status()).services.every((s) => s.health === 'healthy') || undefined,
    60_000,
  );
  await sleep(5000);
  const c0 = procCpuTicks(pid);
  const p0 = procCpuTicks(pm2Pid);
  const t0 = performance.now();
  const rssSamples: number[] = [];
  const pm2Rss: number[] = [];
  while (performance.now() - t0 < SECONDS * 1000) {
    await sleep(1000);
    rssSamples.push(procRssBytes(pid));
    pm2Rss.push(procRssBytes(pm2Pid));
  }
  const c1 = procCpuTicks(pid);
  const p1 = procCpuTicks(pm2Pid);
  const wall = (performance.now() - t0) / 1000;
  const pct = (ticks: number) => (ticks / HZ / wall) * 100;
  const ownPct = pct(c1.own - c0.own);
  const childPct = pct(c1.children - c0.children);
  const pm2Own = pct(p1.own - p0.own);
  const pm2Child = pct(p1.children - p0.children);
  await pm2(['kill']);

  // 3. kill -9 → event latency over SSE
  const ctl = new AbortController();
  const waiters = new Map<string, (e: VigilEvent) => void>();
  const wallNow = () => performance.timeOrigin + performance.now();
  const crashedKeys: string[] = [];
  let churnEvents: VigilEvent[] | null = null;
  const streaming = api
    .streamEvents(
      {},
      (e) => {
        if (e.type === 'crashed' && e.service) {
          waiters.get(e.service)?.(e);
          churnEvents?.push(e);
        }
        crashedKeys.push(e.key);
      },
      ctl.signal,
    )
    .catch(() => undefined);
  await sleep(300);
  // Where the time goes: kill → the exit record (its time stamp, ms: the kernel, then the launcher or
  // systemd and its hook being scheduled), then record → the event on the stream (the agent, the SSE hop).
  // Launchers whose run was killed: the status can still name one for a moment after its end.
  const ended = new Set<number>();
  const killRound = async (count: number, target: 'program' | 'launcher') => {
    const r = { latencies: [] as number[], toRecord: [] as number[], toStream: [] as number[] };
    for (let i = 0; i < count; i++) {
      const name = names[i % N]!;
      const up = await waitFor('target running', async () => {
        // A process is up (a service killed three times within a minute shows `crashloop` while it runs).
        const st = (await api.status()).services.find(
          (s) => s.name === name && (s.state === 'running' || s.state === 'crashloop') && s.pid,
        );
        if (!st?.pid || ended.has(st.pid)) return undefined;
        const program = programPid(st.pid);
        return program === null ? undefined : { launcher: st.pid, program };
      });
      let exitAt = NaN;
      const got = new Promise<number>((resolve) =>
        waiters.set(name, (e) => {
          exitAt = e.at;
          resolve(wallNow());
        }),
      );
      const killedAt = wallNow();
      try {
        process.kill(target === 'launcher' ? up.launcher : up.program, 'SIGKILL');
      } catch {
        // it ended between the look and the kill: not a kill of ours, try this one again
        waiters.delete(name);
        i--;
        continue;
      }
      ended.add(up.launcher);
      const seenAt = await Promise.race([got, sleep(5000).then(() => NaN)]);
      waiters.delete(name);
      r.latencies.push(seenAt - killedAt);
      if (!Number.isNaN(seenAt)) {
        r.toRecord.push(exitAt - killedAt);
        r.toStream.push(seenAt - exitAt);
      }
    }
    return r;
  };
  const ofProgram = await killRound(KILLS, 'program');
  const ofLauncher = await killRound(LAUNCHER_KILLS, 'launcher');

  // 4. churn: 2 kills/s, the program and the launcher in turn, each run killed once; every kill must give
  // exactly one crashed event (a program's end is recorded by its launcher, and the hook must not add one).
  await sleep(2000);
  churnEvents = [];
  const killed = new Map<number, string>();
  const k0 = procCpuTicks(pid);
  const ct0 = performance.now();
  for (let i = 0; performance.now() - ct0 < CHURN_S * 1000; i++) {
    const next = ct0 + (i + 1) * 500;
    const st = (await api.status()).services.find(
      (s) => s.name === names[i % N] && s.pid !== null && !killed.has(s.pid),
    );
    const victim = st?.pid ? (i % 2 === 0 ? programPid(st.pid) : st.pid) : null;
    if (st?.pid && victim !== null) {
      try {
        process.kill(victim, 'SIGKILL');
        killed.set(st.pid, st.name);
      } catch {
        // gone already (not counted)
      }
    }
    await sleep(Math.max(0, next - performance.now()));
  }
  const churnWall = (performance.now() - ct0) / 1000;
  await sleep(3000);
  const k1 = procCpuTicks(pid);
  const churnCpu = ((k1.own - k0.own + (k1.children - k0.children)) / HZ / churnWall) * 100;
  const got = churnEvents;
  churnEvents = null;
  const kills = killed.size;
  const perService = new Map<string, number>();
  for (const n of killed.values()) perService.set(n, (perService.get(n) ?? 0) + 1);
  const seenPer = new Map<string, number>();
  for (const e of got) seenPer.set(e.service!, (seenPer.get(e.service!) ?? 0) + 1);
  let missed = 0;
  let extra = 0;
  for (const n of names) {
    const d = (perService.get(n) ?? 0) - (seenPer.get(n) ?? 0);
    if (d > 0) missed += d;
    else extra -= d;
  }
  const dupKeys = crashedKeys.length - new Set(crashedKeys).size;
  ctl.abort();
  await streaming;
  const agentRssAfter = procRssBytes(pid);
  await agent.stop();
  agent = null;

  const med = (xs: number[]) => percentile(xs, 50);
  const ratio = (a: number[], b: number[]) => (med(a) / med(b)).toFixed(2);
  const lostOf = (r: { latencies: number[] }) => r.latencies.filter((x) => Number.isNaN(x)).length;
  const latOf = (r: { latencies: number[] }) => r.latencies.filter((x) => !Number.isNaN(x));
  const killRow = (what: string, r: typeof ofProgram, target: string) => {
    const lat = latOf(r);
    return `| ${what} | ${r.latencies.length} | ${med(lat).toFixed(1)} ms | ${percentile(lat, 95).toFixed(1)} ms | ${Math.max(...lat).toFixed(1)} ms | ${lostOf(r)} | ${target} |`;
  };
  const partRows = (what: string, r: typeof ofProgram) => [
    `| ${what}: kill → the exit record | ${med(r.toRecord).toFixed(1)} ms | ${percentile(r.toRecord, 95).toFixed(1)} ms |`,
    `| ${what}: exit record → \`crashed\` received on the stream (inotify wake-up, tick, store, SSE) | ${med(r.toStream).toFixed(1)} ms | ${percentile(r.toStream, 95).toFixed(1)} ms |`,
  ];
  const mb = (b: number) => (b / 1024 ** 2).toFixed(1);
  const total = ownPct + childPct;
  const pm2Total = pm2Own + pm2Child;
  lines.push(
    '# Benchmarks',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores (shared with other jobs), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ${readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' ? 'systemd as PID 1' : 'systemd user manager started by scripts/systemd-user-up.sh'}; PM2 ${pm2Version()}.`,
    `Load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
    `Run: ${new Date().toISOString()} — ${N} services (\`/bin/sleep 1000000\`, the same under Vigil and PM2), ${RUNS} runs per command, ${Math.round(wall)} s idle window, ${KILLS} + ${LAUNCHER_KILLS} kills, ${Math.round(churnWall)} s churn.`,
    '',
    '## 1. `vigil status --json` (whole process) vs `systemctl --user show` of the same 20 units',
    '',
    '| command | p50 ms | p95 ms | ratio to systemctl (p50) | target |',
    '|---|---|---|---|---|',
    `| systemctl --user show (baseline) | ${med(systemctl).toFixed(1)} | ${percentile(systemctl, 95).toFixed(1)} | 1.00 | |`,
    `| vigil status --json, through the agent | ${med(viaAgent).toFixed(1)} | ${percentile(viaAgent, 95).toFixed(1)} | ${ratio(viaAgent, systemctl)} | ≤ 2.5× |`,
    `| vigil status --json through the agent, with this machine's NODE_EXTRA_CA_CERTS | ${med(viaAgentCa).toFixed(1)} | ${percentile(viaAgentCa, 95).toFixed(1)} | ${ratio(viaAgentCa, systemctl)} | ≤ 2.5× |`,
    `| vigil status --json, direct (no agent) | ${med(direct).toFixed(1)} | ${percentile(direct, 95).toFixed(1)} | ${ratio(direct, systemctl)} | |`,
    `| node -e 0 (Node start-up alone, for scale) | ${med(nodeBare).toFixed(1)} | ${percentile(nodeBare, 95).toFixed(1)} | ${ratio(nodeBare, systemctl)} | |`,
    `| node -e 0 with NODE_EXTRA_CA_CERTS | ${med(nodeBareCa).toFixed(1)} | ${percentile(nodeBareCa, 95).toFixed(1)} | ${ratio(nodeBareCa, systemctl)} | |`,
    `| pm2 jlist (for scale) | ${med(jlist).toFixed(1)} | ${percentile(jlist, 95).toFixed(1)} | ${ratio(jlist, systemctl)} | |`,
    '',
    `Vigil's own cost above Node's start-up (through the agent): ${(med(viaAgent) - med(nodeBare)).toFixed(1)} ms at p50.`,
    '',
    `## 2. Idle over ${Math.round(wall)} s, 20 services, side by side (% of one core, from /proc)`,
    '',
    '| measure | Vigil agent | PM2 God daemon | target |',
    '|---|---|---|---|',
    `| itself | ${ownPct.toFixed(3)} % | ${pm2Own.toFixed(3)} % | |`,
    `| its reaped children | ${childPct.toFixed(3)} % | ${pm2Child.toFixed(3)} % | |`,
    `| **total** | **${total.toFixed(3)} %** | **${pm2Total.toFixed(3)} %** | Vigil ≤ 0.1 % and ≤ 2× PM2 (${pm2Total > 0 ? (total / pm2Total).toFixed(2) : '∞'}×) |`,
    `| RSS max / median | ${mb(Math.max(...rssSamples))} / ${mb(med(rssSamples))} MB | ${mb(Math.max(...pm2Rss))} / ${mb(med(pm2Rss))} MB | Vigil ≤ 55 MB |`,
    '',
    `## 3. kill -9 → \`crashed\` event over SSE`,
    '',
    '| what is killed | kills | p50 | p95 | max | missed (> 5 s) | target |',
    '|---|---|---|---|---|---|---|',
    killRow(
      "the service's program (a crash: its launcher reaps it and writes the record)",
      ofProgram,
      'p95 ≤ 30 ms',
    ),
    killRow(
      "the launcher (the unit's MainPID; systemd's ExecStopPost= hook writes the record)",
      ofLauncher,
      '',
    ),
    '',
    "| part (the exit record's time stamp has ms resolution) | p50 | p95 |",
    '|---|---|---|',
    ...partRows('program', ofProgram),
    ...partRows('launcher', ofLauncher),
    '',
    `## 4. Churn: 2 kills/s across the 20 services for ${Math.round(churnWall)} s, program and launcher in turn`,
    '',
    '| kills | crashed events on the stream | missed | duplicated (extra per service / repeated keys) | agent CPU (itself + children) | RSS after | target |',
    '|---|---|---|---|---|---|---|',
    `| ${kills} | ${got.length} | ${missed} | ${extra} / ${dupKeys} | ${churnCpu.toFixed(2)} % | ${mb(agentRssAfter)} MB | 0 missed, 0 duplicated |`,
    '',
  );
  writeFileSync(values.out, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await agent?.stop().catch(() => undefined);
  await run(process.execPath, [PM2_BIN, 'kill'], { ...t.env, PM2_HOME: path.join(t.home, 'pm2') }, {}).catch(
    () => undefined,
  );
  await t.cleanup();
}

function pm2Version(): string {
  return (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'pm2', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}
