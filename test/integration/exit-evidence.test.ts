/**
 * Crash evidence from the moment of death, on real systemd with the real launcher (issue 12, items 5–6):
 * a service that prints numbered lines and crashes, restarted fast, with the agent stopped during several
 * crashes: each crash event's tail ends with that process's last line and holds none of the next one's,
 * and every run nobody saw still gets its `restarted` event. A program that exits 217 itself, and one
 * that is missing, are explained as such.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  makeHome,
  run,
  sleep,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { LAUNCHER } from '../helpers/launcher.js';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';

/** Each run takes the next number, prints 8 lines ending with "run N last", then exits 3. */
const NUMBERED = `#!/bin/sh
dir=$(dirname "$0")
n=$(cat "$dir/counter" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/counter"
i=1
while [ "$i" -le 7 ]; do echo "run $n line $i"; i=$((i + 1)); done
sleep 0.4
echo "run $n last"
exit 3
`;

const runOf = (line: string): number | null => {
  const m = /^run (\d+) /.exec(line);
  return m ? Number(m[1]) : null;
};

describe('crash evidence from the moment of death (real systemd, real launcher)', () => {
  let t: TestHome;
  let agent: AgentProcess | undefined;
  let api: ApiClient;
  const p = uniquePrefix();
  const num = `${p}-num`;
  const own = `${p}-own`;
  const gone = `${p}-gone`;
  let goneProgram: string;

  before(async () => {
    t = await makeHome();
    const numbered = path.join(t.home, 'numbered.sh');
    writeFileSync(numbered, NUMBERED);
    chmodSync(numbered, 0o755);
    goneProgram = path.join(t.home, 'soon-gone.sh');
    writeFileSync(goneProgram, '#!/bin/sh\necho "soon gone: up"\nexec sleep 1000\n');
    chmodSync(goneProgram, 0o755);
    const yaml = `services:
  ${num}:
    command: [${numbered}]
    restart: { policy: always, delaySec: 0.1, burst: 1000, intervalSec: 60 }
  ${own}:
    command: [/bin/sh, -c, "echo choosing 217; exit 217"]
    restart: { policy: on-failure, delaySec: 0.2, burst: 2, intervalSec: 60 }
  ${gone}:
    command: [${goneProgram}]
    restart: { policy: on-failure, delaySec: 0.2, burst: 2, intervalSec: 60 }
`;
    // `own` fails at once, so the apply that starts it reports a failure; the units stay installed.
    await t.vigil(['apply', '-f', t.manifest(yaml)], { timeoutMs: 90_000 });
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  const events = async (service: string): Promise<VigilEvent[]> =>
    (await api.events({ limit: 10000, service })).events.sort((a, b) => a.at - b.at || a.id - b.id);

  it("each crash tail ends with that process's last line, never the next one's, across an agent outage; restarts nobody saw are reconstructed", async () => {
    await waitFor(
      'two live crashes',
      async () => (await events(num)).filter((e) => e.type === 'crashed').length >= 2,
      20_000,
    );
    await agent!.stop();
    agent = undefined;
    const outageFrom = Date.now();
    await sleep(4000); // ~7 crashes while nobody watches
    agent = await startAgent(t);
    const outageTo = Date.now();
    await sleep(2500); // and a few more live
    const all = await events(num);
    const crashes = all.filter((e) => e.type === 'crashed');
    const during = crashes.filter((e) => e.at > outageFrom && e.at < outageTo);
    assert.ok(during.length >= 4, `crashes during the outage: ${during.length}`);
    const seen = new Set<number>();
    for (const c of crashes) {
      const tail = c.logTail ?? [];
      const last = tail[tail.length - 1] ?? '';
      const n = runOf(last);
      assert.ok(
        n !== null && last === `run ${n} last`,
        `crash at ${c.at}: tail ends with ${JSON.stringify(last)} (${tail.join(' | ')})`,
      );
      assert.ok(
        tail.every((l) => (runOf(l) ?? 0) <= n),
        `crash of run ${n}: a later run's line in its tail: ${tail.join(' | ')}`,
      );
      assert.ok(!seen.has(n), `run ${n} has two crash events`);
      seen.add(n);
    }
    // Every crash but the newest was followed by a run: exactly one `restarted` event between two crashes.
    // (The agent's first sight of a run is `started`: it cannot know what came before.)
    const restarts = all.filter((e) => e.type === 'restarted');
    const runs = all.filter((e) => e.type === 'restarted' || e.type === 'started');
    const story = all.map((e) => `${e.at} ${e.type}`).join('\n');
    for (let i = 0; i + 1 < crashes.length; i++) {
      const between = runs.filter((r) => r.at >= crashes[i]!.at && r.at <= crashes[i + 1]!.at);
      assert.equal(between.length, 1, `runs between crash ${i} and ${i + 1}: ${between.length}\n${story}`);
    }
    assert.ok(
      restarts.some((r) => r.data?.reconstructed === true && r.at > outageFrom),
      'some restarts were read back from the journal',
    );
  });

  it('a program that exits 217 itself is "exited with code 217", not systemd failing to switch user', async () => {
    const crash = await waitFor(
      'crash of own',
      async () => (await events(own)).find((e) => e.type === 'crashed'),
      20_000,
    );
    assert.equal(crash.exit?.code, 217);
    assert.equal(crash.exit?.reason, 'exited with code 217');
    assert.equal(crash.message, `${own} exited with code 217`);
    assert.deepEqual(crash.logTail?.slice(-1), ['choosing 217']);
    // burst 2: two runs, one restart (systemd's NRestarts says 2: it counts the restart it refused).
    const limit = await waitFor(
      'start-limit-hit of own',
      async () => (await events(own)).find((e) => e.type === 'start-limit-hit'),
      20_000,
    );
    // The restarts that really ran: NRestarts less the one the start limit refused (1 when the apply's
    // start was the only one; more if the unit was started again meanwhile — the count must follow).
    const shown = await run(
      'systemctl',
      ['--user', 'show', '-p', 'NRestarts', '--value', `vigil-${own}.service`],
      t.env,
      {},
    );
    const ran = Number(shown.stdout.trim()) - 1;
    assert.ok(ran >= 1, `NRestarts ${shown.stdout.trim()}`);
    assert.match(limit.message, new RegExp(`restarted ${ran} times? and was given up on`));
  });

  it('a missing program is explained as such', async () => {
    await waitFor(
      'gone running',
      async () => (await api.status()).services.find((s) => s.name === gone && s.state === 'running'),
      20_000,
    );
    rmSync(goneProgram);
    const killed = await run(
      'systemctl',
      ['--user', 'kill', '--signal=SIGKILL', `vigil-${gone}.service`],
      t.env,
      {},
    );
    assert.equal(killed.code, 0, killed.stderr);
    const crash = await waitFor(
      'exec failure event',
      async () => (await events(gone)).find((e) => e.type === 'crashed' && e.exit?.code === 127),
      20_000,
    );
    assert.equal(crash.exit?.reason, `could not execute ${goneProgram}: No such file or directory`);
  });
});

describe("the ExecStopPost hook takes the launcher's fields only from its own run", () => {
  it('appends them under a matching INVOCATION_ID, never from a file another run left; removes the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-hook-'));
    try {
      const journal = path.join(dir, 'exits.log');
      const end = path.join(dir, 'web.end');
      const hook = (inv: string) =>
        run(
          LAUNCHER,
          ['--exit-hook', journal, 'web', end],
          {
            PATH: process.env.PATH,
            INVOCATION_ID: inv,
            SERVICE_RESULT: 'exit-code',
            EXIT_CODE: 'exited',
            EXIT_STATUS: '217',
          },
          {},
        );
      writeFileSync(end, 'run-1 via=vigil-launch log-end=1:2:3\n');
      assert.equal((await hook('run-1')).code, 0);
      assert.equal(existsSync(end), false, 'the end file is consumed');
      writeFileSync(end, 'run-1 via=vigil-launch log-end=1:2:9\n');
      await hook('run-2'); // the launcher of run 2 never ran: systemd could not execute it
      await hook('run-3'); // no end file at all (the launcher was killed outright)
      const recs = readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .map((l, i) => parseExitLine(l, i));
      assert.deepEqual(
        recs.map((r) => [r?.code, r?.launcher]),
        [
          [217, { ran: true, execError: null, logEnd: { dev: 1, ino: 2, offset: 3 } }],
          [217, undefined],
          [217, undefined],
        ],
      );
      assert.equal(existsSync(end), false, 'a stale end file is removed too');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
