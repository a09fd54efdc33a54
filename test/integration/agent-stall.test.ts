/**
 * The agent's event loop under the two stalls it used to suffer (real agent, real systemd): another process
 * holding the database in BEGIN EXCLUSIVE (the sqlite3 CLI), and a catastrophic regex `(a+)+$` over lines
 * it backtracks on for ever, on the tail, follow and search routes and through `vigil logs -f -E`.
 * /api/health must keep answering; the bound asserted here is generous on purpose (shared machines):
 * the tight figure (p99 ≤ 50 ms) is measured by test/bench/soak.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../agent/api/client.js';
import { isVigilError } from '../../agent/core/errors.js';
import {
  FIXTURES,
  makeHome,
  sleep,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const HEALTH_BOUND_MS = 500;
const EVIL = '(a+)+$';
const EVIL_LINE = `${'a'.repeat(40)}!`;

/** Probes /api/health every 100 ms until stopped; returns every latency (a failure counts as Infinity). */
function probe(api: ApiClient): { stop(): Promise<number[]> } {
  const ms: number[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const t0 = performance.now();
      const ok = await api.health().then(
        () => true,
        () => false,
      );
      ms.push(ok ? performance.now() - t0 : Infinity);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return ms;
    },
  };
}

function assertFast(ms: number[], what: string): void {
  assert.ok(ms.length >= 5, `${what}: probed ${ms.length} times`);
  const worst = Math.max(...ms);
  assert.ok(
    worst < HEALTH_BOUND_MS,
    `${what}: /api/health worst ${worst.toFixed(0)} ms (bound ${HEALTH_BOUND_MS}); all: ${ms.map((x) => x.toFixed(0)).join(' ')}`,
  );
}

describe('the agent never stalls (real systemd)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let api: ApiClient;
  const p = uniquePrefix();
  const svc = `${p}-s`;

  before(async () => {
    t = await makeHome();
    const yaml = `services:\n  ${svc}:\n    command: [${path.join(FIXTURES, 'services', 'sleeper.sh')}]\n    restart: { policy: always, delaySec: 0.1, burst: 100, intervalSec: 10 }\n`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock'), timeoutMs: 20_000 });
    await waitFor(
      'running',
      async () => (await api.status()).services[0]?.state === 'running' || undefined,
      20_000,
    );
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    await t.cleanup();
  });

  it('a database held in BEGIN EXCLUSIVE by another process: health answers fast, the status shows the crashes, and they are stored after', async () => {
    const crashed = async () =>
      (await api.events({ types: ['crashed'], service: svc, limit: 1000 })).events.length;
    const before = await crashed();
    const sqlite = spawn('sqlite3', [path.join(t.env.VIGIL_HOME!, 'vigil.db')], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const exited = new Promise((r) => sqlite.on('exit', r));
    try {
      sqlite.stdin.write('BEGIN EXCLUSIVE;\nSELECT 1;\n');
      await sleep(500); // the lock is held from here
      const health = probe(api);
      const killed: number[] = [];
      for (let i = 0; i < 3; i++) {
        const st = await waitFor(
          'running with a pid',
          async () => {
            const s = (await api.status()).services[0]!;
            return s.state === 'running' && s.pid !== null && !killed.includes(s.pid) ? s : undefined;
          },
          15_000,
          100,
        );
        process.kill(st.pid!, 'SIGKILL');
        killed.push(st.pid!);
        // The status follows systemd during the lock: the crash is seen, the restarted process too.
        await waitFor(
          'the crash in the status',
          async () => {
            const s = (await api.status()).services[0]!;
            return s.lastExit?.signal === 'SIGKILL' && s.pid !== st.pid && s.restarts > st.restarts
              ? s
              : undefined;
          },
          15_000,
          100,
        );
      }
      assertFast(await health.stop(), 'while locked');
      assert.equal(await crashed(), before, 'nothing could be stored while the lock was held');
    } finally {
      sqlite.stdin.end('COMMIT;\n');
      await exited;
    }
    await waitFor(
      'the 3 crashes stored after the lock',
      async () => ((await crashed()) === before + 3 ? true : undefined),
      15_000,
      200,
    );
    await sleep(1500);
    assert.equal(await crashed(), before + 3, 'each stored once');
  });

  it('a catastrophic regex on the tail, follow and search routes and through `vigil logs -f -E`: health answers, each gets a clear answer', async () => {
    const logFile = path.join(t.env.VIGIL_HOME!, 'logs', `${svc}.log`);
    appendFileSync(logFile, `${EVIL_LINE}\n`.repeat(100));
    const grep = { pattern: EVIL, regex: true, ignoreCase: false };
    const health = probe(api);

    const tail = await api
      .call('logTail', { name: svc }, { lines: 20, level: null, grep, timeoutMs: 10_000 })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(isVigilError(tail) && tail.code === 'E_REGEX_TIMEOUT', `tail: ${String(tail)}`);

    const search = await api.call(
      'logSearch',
      { name: svc },
      { ...grep, limit: 10, level: null, timeoutMs: 1000 },
    );
    assert.equal(search.timedOut, true, 'search: stopped at its time bound');

    // follow: its first lines (the tail) meet the pattern at once…
    const first = await api
      .streamLogs(svc, { lines: 20, level: null, grep, timeoutMs: 10_000 }, () => undefined)
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(
      isVigilError(first) && first.code === 'E_REGEX_TIMEOUT',
      `follow (tail part): ${String(first)}`,
    );
    // …or, following from the end, a new line does: the stream ends with the error.
    const ctl = new AbortController();
    const later = api
      .streamLogs(svc, { lines: 0, level: null, grep, timeoutMs: 10_000 }, () => undefined, ctl.signal)
      .then(
        () => null,
        (e: unknown) => e,
      );
    await sleep(500);
    appendFileSync(logFile, `${EVIL_LINE}\n`);
    const timer = setTimeout(() => ctl.abort(), 15_000);
    const followed = await later;
    clearTimeout(timer);
    assert.ok(
      isVigilError(followed) && followed.code === 'E_REGEX_TIMEOUT',
      `follow (new line): ${String(followed)}`,
    );

    const cli = await t.vigil(['logs', svc, '-f', '-E', '--grep', EVIL], { timeoutMs: 30_000 });
    assert.equal(cli.code, 1, `vigil logs -f -E exits 1: ${cli.stderr}`);
    assert.match(cli.stderr, /ran over 1000 ms .*backtracks/);

    assertFast(await health.stop(), 'while the regex was served');
  });

  it('SIGTERM stops the agent while a catastrophic regex is being served', async () => {
    const grep = { pattern: EVIL, regex: true, ignoreCase: false };
    const pending = api
      .call('logTail', { name: svc }, { lines: 20, level: null, grep, timeoutMs: 10_000 })
      .catch(() => undefined);
    await sleep(200);
    const t0 = performance.now();
    const code = await agent.stop();
    assert.equal(code, 0);
    assert.ok(performance.now() - t0 < 5000, `stopped in ${(performance.now() - t0).toFixed(0)} ms`);
    await pending;
  });
});
