/**
 * Crash evidence under churn (issue 12, item 5–6): services that print numbered lines and crash, restarted
 * fast by real systemd through the real launcher, with the agent stopped twice meanwhile. Counts crash
 * events whose last lines are not exactly the dead process's (ending with its last line, none of a later
 * run's), and gaps between two crashes without exactly one run event (restarted/started).
 *
 *   node --import tsx test/bench/crash-tails.ts [--services 6] [--seconds 60] [--out test/bench/RESULTS-crash-tails.md]
 */
import { writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import { makeHome, sleep, startAgent, type AgentProcess } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const SERVICES = Number(arg('services', '6'));
const SECONDS = Number(arg('seconds', '60'));
const OUT = arg('out', path.join('test', 'bench', 'RESULTS-crash-tails.md'));

const NUMBERED = `#!/bin/sh
dir=$(dirname "$0")
n=$(cat "$dir/counter-$1" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/counter-$1"
i=1
while [ "$i" -le 7 ]; do echo "run $n line $i"; i=$((i + 1)); done
sleep 0.2
echo "run $n last"
exit 3
`;

const runOf = (line: string): number | null => {
  const m = /^run (\d+) /.exec(line);
  return m ? Number(m[1]) : null;
};

async function main(): Promise<void> {
  const t = await makeHome('vigil-bench-tails-');
  let agent: AgentProcess | undefined;
  try {
    const script = path.join(t.home, 'numbered.sh');
    writeFileSync(script, NUMBERED);
    chmodSync(script, 0o755);
    const p = uniquePrefix();
    const names = Array.from({ length: SERVICES }, (_, i) => `${p}-c${i}`);
    const yaml = `services:\n${names
      .map(
        (n, i) =>
          `  ${n}:\n    command: [${script}, "${i}"]\n    restart: { policy: always, delaySec: 0.1, burst: 1000, intervalSec: 60 }\n    logs: { maxBytes: 4K, keep: 3 }\n`,
      )
      .join('')}`;
    const applied = await t.vigil(['apply', '-f', t.manifest(yaml)], { timeoutMs: 120_000 });
    if (applied.code !== 0) throw new Error(`apply failed (${applied.code}): ${applied.stderr}`);
    agent = await startAgent(t);
    const api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    const started = Date.now();
    const third = (SECONDS * 1000) / 3;
    const outages: number[] = [];
    for (let k = 0; k < 2; k++) {
      await sleep(third - 5000);
      await agent.stop();
      const from = Date.now();
      await sleep(5000);
      agent = await startAgent(t);
      outages.push(Date.now() - from);
    }
    await sleep(Math.max(0, started + SECONDS * 1000 - Date.now()));
    await t.vigil(['stop', ...names], { timeoutMs: 60_000 });
    await sleep(2000);
    let crashes = 0;
    let badTails = 0;
    let laterLines = 0;
    let emptyTails = 0;
    let gaps = 0;
    let badGaps = 0;
    let reconstructed = 0;
    const examples: string[] = [];
    for (const n of names) {
      const all: VigilEvent[] = (await api.events({ limit: 10000, service: n })).events.sort(
        (a, b) => a.at - b.at || a.id - b.id,
      );
      const cs = all.filter((e) => e.type === 'crashed');
      crashes += cs.length;
      for (const c of cs) {
        const tail = c.logTail ?? [];
        const last = tail[tail.length - 1] ?? '';
        const own = runOf(last);
        if (tail.length === 0) emptyTails++;
        if (own === null || last !== `run ${own} last`) {
          badTails++;
          if (examples.length < 3) examples.push(`${n}: ${tail.slice(-3).join(' | ')}`);
        }
        if (own !== null && tail.some((l) => (runOf(l) ?? 0) > own)) laterLines++;
      }
      const runs = all.filter((e) => e.type === 'restarted' || e.type === 'started');
      reconstructed += runs.filter((e) => e.data?.reconstructed === true).length;
      for (let i = 0; i + 1 < cs.length; i++) {
        gaps++;
        const between = runs.filter((r) => r.at >= cs[i]!.at && r.at <= cs[i + 1]!.at).length;
        if (between !== 1) badGaps++;
      }
    }
    const cpus = os.cpus();
    const md = `# Crash evidence under churn

Machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} cores (shared with other jobs), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}.
Run: ${new Date().toISOString()} — \`node --import tsx test/bench/crash-tails.ts --services ${SERVICES} --seconds ${SECONDS}\`.

${SERVICES} services on real systemd through vigil-launch, each run printing 8 numbered lines over ~0.2 s and exiting 3, restarted after 0.1 s, logs rotated at 4 KiB (keep 3); the agent stopped twice for ${outages.map((o) => (o / 1000).toFixed(1)).join(' s and ')} s.

| measure | value | target |
|---|---|---|
| crash events | ${crashes} | |
| tails not ending with the dead process's last line | ${badTails} | 0 |
| tails holding a later run's lines | ${laterLines} | 0 (before: 16 of 896 live, all 4 after an outage) |
| empty tails (the file rotated out of \`keep\` before the agent read it) | ${emptyTails} | |
| gaps between two crashes | ${gaps} | |
| gaps without exactly one run event (\`restarted\`/\`started\`) | ${badGaps} | 0 |
| restarts reconstructed from the exit journal | ${reconstructed} | |
${examples.length ? `\nExamples of wrong tails:\n\n${examples.map((e) => `- ${e}`).join('\n')}\n` : ''}`;
    writeFileSync(OUT, md);
    process.stdout.write(md);
  } finally {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  }
}

await main();
