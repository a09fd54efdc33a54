/**
 * Benchmark of health probing against real systemd: the agent's own CPU (% of one core) and RSS while it
 * supervises 20 services that each serve an HTTP health endpoint, measured twice in the same run:
 *   A. baseline: the 20 services without `health:` (supervision and resource sampling only)
 *   B. the same 20 services probed every 5 s (health: intervalSec 5)
 * Targets (issue 4): B ≤ 0.5 % CPU and ≤ 70 MB RSS. Writes test/bench/RESULTS-health.md.
 * Usage: node --import tsx test/bench/health.ts [--seconds 60]
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { StatusDoc } from '../../agent/core/status.js';
import { FIXTURES, ROOT, makeHome, startAgent, waitFor, sleep, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { percentile, procCpuTicks, procRssBytes } from './measure.js';
import { freePort } from '../helpers/free-port.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const SECONDS = Number(values.seconds);
const N = 20;
const HZ = 100;

interface Window {
  ownPct: number;
  childPct: number;
  rssMax: number;
  rssMed: number;
  wall: number;
  probes: number;
}

/** Probes answered by the fixtures (one byte each in their count files): counted without asking the agent. */
function probes(): number {
  return names.reduce((a, n) => a + (existsSync(countFile(n)) ? statSync(countFile(n)).size : 0), 0);
}

/** `scrapeEverySec`: a Prometheus server's scrapes of /metrics during the window (prom-client loads on the first). */
async function measure(t: TestHome, scrapeEverySec = 0): Promise<Window> {
  const agent = await startAgent(t, ['--http', '127.0.0.1:0']);
  const token = readFileSync(path.join(t.env.VIGIL_HOME!, 'agent.token'), 'utf8').trim();
  const scrape = async () =>
    (await fetch(`${agent.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  let lastScrape = 0;
  try {
    const pid = agent.child.pid!;
    await sleep(10_000); // start-up, first probes, stable periods, JIT warm-up
    if (scrapeEverySec > 0) await scrape();
    const p0 = probes();
    const c0 = procCpuTicks(pid);
    const t0 = performance.now();
    const rss: number[] = [];
    while (performance.now() - t0 < SECONDS * 1000) {
      await sleep(1000);
      rss.push(procRssBytes(pid));
      if (scrapeEverySec > 0 && performance.now() - lastScrape >= scrapeEverySec * 1000) {
        lastScrape = performance.now();
        const text = await scrape();
        if (!text.includes('vigil_health_probes_total')) throw new Error('/metrics has no probe counts');
      }
    }
    const c1 = procCpuTicks(pid);
    const wall = (performance.now() - t0) / 1000;
    const p1 = probes();
    return {
      ownPct: ((c1.own - c0.own) / HZ / wall) * 100,
      childPct: ((c1.children - c0.children) / HZ / wall) * 100,
      rssMax: Math.max(...rss),
      rssMed: percentile(rss, 50),
      wall,
      probes: p1 - p0,
    };
  } finally {
    await agent.stop();
  }
}

const t = await makeHome('vigil-bench-health-');
const p = uniquePrefix();
const names = Array.from({ length: N }, (_, i) => `${p}-h${i}`);
const countFile = (name: string) => path.join(t.env.VIGIL_HOME!, `probes-${name}.count`);
const ports = await Promise.all(names.map(() => freePort()));
const server = path.join(FIXTURES, 'services', 'health-server.mjs');
const manifest = (withHealth: boolean) =>
  `alerts: { desktop: false }\nservices:\n${names
    .map(
      (n, i) =>
        `  ${n}:\n    command: [${process.execPath}, ${server}, "${ports[i]}", /nonexistent]\n    env: { HEALTH_COUNT_FILE: "${countFile(n)}" }\n    restart: { policy: always, delaySec: 0.5 }\n` +
        (withHealth
          ? `    health: { url: "http://127.0.0.1:${ports[i]}/health", intervalSec: 5, timeoutSec: 2 }\n`
          : ''),
    )
    .join('')}`;
try {
  const applied = await t.vigil(['apply', '-f', t.manifest(manifest(false)), '--json']);
  if (applied.code !== 0) throw new Error(applied.stderr);
  await waitFor(
    '20 running',
    async () => {
      const d = JSON.parse((await t.vigil(['status', '--json'])).stdout) as StatusDoc;
      return d.services.filter((s) => s.state === 'running').length === N || undefined;
    },
    60_000,
  );
  const base = await measure(t);
  const again = await t.vigil(['apply', '-f', t.manifest(manifest(true)), '--json']);
  if (again.code !== 0) throw new Error(again.stderr);
  const probed = await measure(t);
  const scraped = await measure(t, 15);
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const mb = (b: number) => (b / 1024 ** 2).toFixed(1);
  const lines = [
    '# Benchmark: health probing',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ${readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' ? 'systemd as PID 1' : 'systemd user manager started by scripts/systemd-user-up.sh'}.`,
    `Run: ${new Date().toISOString()} — ${N} services (test/fixtures/services/health-server.mjs, one HTTP health endpoint each), ${SECONDS} s window per phase after 10 s of warm-up, load average at the end ${load}.`,
    'The agent samples CPU/memory of every service and of itself every 5 s in both phases (on this cgroup-v1 hybrid host from /proc, summed over each unit cgroup).',
    '',
    'Probes are counted by the fixtures (a byte per request), so the agent is not asked during A and B; C adds a Prometheus-like scrape of /metrics every 15 s (prom-client loads on the first scrape).',
    '',
    '| measure | A: 20 services, no probes (baseline) | B: 20 services probed every 5 s | B / A | target for B | C: B + /metrics scraped every 15 s |',
    '|---|---|---|---|---|---|',
    `| agent process CPU (% of one core) | ${base.ownPct.toFixed(2)} % | ${probed.ownPct.toFixed(2)} % | ${(probed.ownPct / base.ownPct).toFixed(2)} | ≤ 0.5 % | ${scraped.ownPct.toFixed(2)} % |`,
    `| its child processes (systemctl show) | ${base.childPct.toFixed(2)} % | ${probed.childPct.toFixed(2)} % | | | ${scraped.childPct.toFixed(2)} % |`,
    `| RSS max | ${mb(base.rssMax)} MB | ${mb(probed.rssMax)} MB | ${(probed.rssMax / base.rssMax).toFixed(2)} | ≤ 70 MB | ${mb(scraped.rssMax)} MB |`,
    `| RSS median | ${mb(base.rssMed)} MB | ${mb(probed.rssMed)} MB | | | ${mb(scraped.rssMed)} MB |`,
    `| health probes done in the window | ${base.probes} | ${probed.probes} (expected ≈ ${Math.round((N * probed.wall) / 5)}) | | | ${scraped.probes} |`,
    '',
  ];
  writeFileSync(path.join(ROOT, 'test', 'bench', 'RESULTS-health.md'), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await t.cleanup();
}
