/**
 * Credential rotation against real systemd units: a service whose /health depends on API_KEY (loaded by
 * systemd from the credential set) and a worker that exits on a bad key. Good key → succeeded; bad key →
 * rolled back and healthy again on the old key; directly and through the agent. Then the canary hunt:
 * no value in unit files, the database, the agent's log, --json outputs or API responses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiClient } from '../../agent/api/client.js';
import type { RotationResult } from '../../agent/core/credentials/rotation.js';
import type { CredentialsDoc } from '../../agent/core/credentials/model.js';
import type { VigilEvent } from '../../agent/core/events.js';
import {
  FIXTURES,
  makeHome,
  startAgent,
  waitFor,
  type AgentProcess,
  type RunOutput,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { freePort } from '../helpers/free-port.js';

const SERVICE = path.join(FIXTURES, 'services', 'keyed-health.mjs');
const tag = randomBytes(6).toString('hex');
const GOOD1 = `good-canary-${tag}-one`;
const GOOD2 = `good-canary-${tag}-two`;
const BAD = `bad-canary-${tag}-three`;
const CANARIES = [GOOD1, GOOD2, BAD, `good-canary-${tag}-worker-rejects`];

async function health(port: number): Promise<{ status: number; keyHash: string | null }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`);
    const body = (await r.json()) as { keyHash?: string };
    return { status: r.status, keyHash: body.keyHash ?? null };
  } catch {
    return { status: 0, keyHash: null };
  }
}

describe('credential rotation (real systemd)', () => {
  let t: TestHome;
  let agent: AgentProcess | null = null;
  let port: number;
  const p = uniquePrefix();
  const api = `${p}-api`;
  const worker = `${p}-worker`;
  /** Every stdout of a --json command and every API response, for the canary hunt. */
  const outputs: string[] = [];

  const vigil = async (args: string[], input?: string): Promise<RunOutput> => {
    const r = await t.vigil(args, { ...(input === undefined ? {} : { input }), timeoutMs: 120_000 });
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  before(async () => {
    t = await makeHome();
    port = await freePort();
    const yaml = `credentials:
  llm: { rotateAfterDays: 30 }
services:
  ${api}:
    command: [${process.execPath}, ${SERVICE}, "${port}"]
    credentials: [llm]
    restart: { policy: always, delaySec: 0.2 }
    health: { url: "http://127.0.0.1:${port}/health", timeoutSec: 1 }
  ${worker}:
    command: [${process.execPath}, ${SERVICE}, --worker]
    credentials: [llm]
    dependsOn: [${api}]
    restart: { policy: always, delaySec: 0.5, burst: 100, intervalSec: 10 }
`;
    const set = await vigil(['secrets', 'set', 'llm', 'API_KEY', '--json'], `${GOOD1}\n`);
    assert.equal(set.code, 0, set.stderr);
    const applied = await vigil(['apply', '-f', t.manifest(yaml), '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('api healthy on the first key', async () => (await health(port)).status === 200, 20_000);
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  it('lists the set with its services in dependsOn order, masked, with the manifest policy', async () => {
    const r = await vigil(['secrets', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as CredentialsDoc;
    const llm = doc.sets.find((s) => s.set === 'llm')!;
    assert.deepEqual(llm.services, [api, worker]);
    assert.equal(llm.rotateAfterDays, 30);
    assert.equal(llm.keys[0]!.masked, `••••${GOOD1.slice(-4)}`);
    assert.equal(llm.overdue, false);
  });

  it('without the agent: a good key restarts api then worker, both healthy, and the new key is loaded', async () => {
    const before = await health(port);
    const r = await vigil(
      ['secrets', 'rotate', 'llm', 'API_KEY', '--timeout', '20', '--stable', '2', '--json'],
      GOOD2,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const res = JSON.parse(r.stdout) as RotationResult;
    assert.equal(res.outcome, 'succeeded');
    assert.deepEqual(
      res.checks.map((c) => [c.service, c.healthy]),
      [
        [api, true],
        [worker, true],
      ],
    );
    assert.match(res.checks[0]!.reason, /healthy \(http:/);
    assert.match(res.checks[1]!.reason, /running for 2 s without a restart/);
    const after = await health(port);
    assert.equal(after.status, 200);
    assert.notEqual(after.keyHash, before.keyHash, 'the service runs on the new key');
    assert.match(r.stderr, /restarting .*api on the new llm credentials/, 'progress on stderr');
  });

  it('through the agent: a bad key fails health, is rolled back, and the service is healthy again on the old key', async () => {
    agent = await startAgent(t);
    const good = await health(port);
    const r = await vigil(
      ['secrets', 'rotate', 'llm', 'API_KEY', '--timeout', '6', '--stable', '2', '--json'],
      BAD,
    );
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const res = JSON.parse(r.stdout) as RotationResult;
    assert.equal(res.outcome, 'rolled-back');
    assert.equal(res.failed!.service, api);
    assert.match(res.failed!.reason, /not healthy within 6 s \(last: health check down: HTTP 503\)/);
    assert.ok(
      res.failed!.logTail.some((l) => l.includes('[redacted:llm/API_KEY]')),
      `tail: ${res.failed!.logTail.join(' | ')}`,
    );
    assert.deepEqual(
      res.rollback!.map((c) => [c.service, c.healthy]),
      [[api, true]],
      'only api had been restarted',
    );
    const now = await health(port);
    assert.equal(now.status, 200);
    assert.equal(now.keyHash, good.keyHash, 'back on the previous key');
    assert.match(r.stderr, /rolling back|restoring the previous version/, 'progress streamed from the agent');
    const audit = await t.json<{
      records: { action: string; outcome: string; actor: string; failedService: string | null }[];
    }>(['secrets', 'audit']);
    outputs.push(JSON.stringify(audit));
    assert.deepEqual(
      audit.records.slice(0, 2).map((a) => [a.action, a.outcome, a.actor]),
      [
        ['rotate', 'rolled-back', 'cli'],
        ['rotate', 'succeeded', 'cli'],
      ],
    );
    assert.equal(audit.records[0]!.failedService, api);
  });

  it('a key api accepts but the worker (no health URL) crashes on: both restarted again on the old key', async () => {
    const before = await health(port);
    const r = await vigil(
      ['secrets', 'rotate', 'llm', 'API_KEY', '--timeout', '20', '--stable', '3', '--json'],
      `good-canary-${tag}-worker-rejects`,
    );
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const res = JSON.parse(r.stdout) as RotationResult;
    assert.equal(res.outcome, 'rolled-back');
    assert.deepEqual(
      res.checks.map((c) => [c.service, c.healthy]),
      [
        [api, true],
        [worker, false],
      ],
    );
    assert.match(res.failed!.reason, /exited with code 1 and was restarted/);
    assert.ok(res.checks[1]!.ms < 15_000, `failed fast, not at the timeout (${res.checks[1]!.ms} ms)`);
    assert.deepEqual(
      res.rollback!.map((c) => [c.service, c.healthy]),
      [
        [api, true],
        [worker, true],
      ],
    );
    assert.equal((await health(port)).keyHash, before.keyHash);
  });

  it('the leak guard: vigil logs shows [redacted:llm/API_KEY], and a secret-leaked event recommends rotating', async () => {
    const r = await vigil(['logs', api, '-n', '200', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[redacted:llm\/API_KEY\]/);
    const events = await waitFor('secret-leaked event', async () => {
      const e = await t.json<{ events: VigilEvent[] }>(['events', '-n', '1000']);
      outputs.push(JSON.stringify(e));
      const leaked = e.events.filter((x) => x.type === 'secret-leaked');
      return leaked.length > 0 ? leaked : undefined;
    });
    assert.ok(
      events.some((e) => e.severity === 'critical' && /vigil secrets rotate llm API_KEY/.test(e.message)),
    );
  });

  it('the canary never appears in unit files, the database, the agent log, --json outputs or API responses', async () => {
    const client = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    outputs.push(
      JSON.stringify(await client.status()),
      JSON.stringify(await client.events({ limit: 10_000 })),
    );
    outputs.push(
      JSON.stringify(await client.call('credentials', {})),
      JSON.stringify(await client.call('credentialAudit', {})),
    );
    await agent!.stop();
    agent = null;
    const home = t.env.VIGIL_HOME!;
    const unitDir = path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user');
    const files = [
      ...fs
        .readdirSync(unitDir)
        .filter((f) => f.startsWith(`vigil-${p}`))
        .map((f) => path.join(unitDir, f)),
      ...['vigil.db', 'vigil.db-wal', 'vigil.db-shm']
        .map((f) => path.join(home, f))
        .filter((f) => fs.existsSync(f)),
      path.join(home, 'logs', 'vigil-agent.log'),
    ];
    assert.ok(files.length >= 4, files.join(', '));
    assert.ok(
      fs.readFileSync(files[0]!, 'utf8').includes(`EnvironmentFile=-${home}/credentials/llm.env`),
      'units load the set by path',
    );
    const haystacks = [
      ...files.map((f) => [f, fs.readFileSync(f).toString('latin1')] as const),
      ...outputs.map((o, i) => [`output #${i}`, o] as const),
    ];
    for (const [where, text] of haystacks) {
      for (const c of CANARIES)
        assert.ok(!text.includes(c) && !text.includes(tag), `a canary value is in ${where}`);
    }
    // The hunt can find: the service's own log holds the canary (the service printed it).
    assert.ok(
      fs.readFileSync(path.join(home, 'logs', `${api}.log`), 'utf8').includes(GOOD1),
      'sanity: the haystack method finds a planted value',
    );
  });
});
