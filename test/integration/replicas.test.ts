/**
 * Replicas on one machine, on REAL systemd with the real CLI and agent: `replicas: 3` runs three instances
 * of one template unit with three PIDs; a kill -9 of one restarts only that one; `vigil scale` to 5 and
 * then 2 starts and removes instances without restarting the ones it keeps (same PIDs); each replica's
 * usage lines are summed under the service; a dead replica leaves its service degraded, not down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import type { UsageReport } from '../../agent/core/usage/report.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  FIXTURES,
  makeHome,
  run,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const WORKER = path.join(FIXTURES, 'services', 'replica-worker.sh');
const UNIT_DIR = path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user');

describe('replicas (real systemd, real agent and CLI)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let api: ApiClient;
  let manifest: string;
  const svc = `${uniquePrefix()}-wk`;

  const mainPid = async (i: number): Promise<number> =>
    Number(
      (
        await run(
          'systemctl',
          ['--user', 'show', '-p', 'MainPID', '--value', `vigil-${svc}@${i}.service`],
          t.env,
          {},
        )
      ).stdout.trim(),
    );
  const pids = async (n: number) => Promise.all(Array.from({ length: n }, (_, i) => mainPid(i + 1)));
  const activeState = async (i: number) =>
    (await run('systemctl', ['--user', 'is-active', `vigil-${svc}@${i}.service`], t.env, {})).stdout.trim();

  before(async () => {
    t = await makeHome();
    manifest = t.manifest(`# the workers behind one queue
services:
  ${svc}:
    replicas: 3
    command: [${WORKER}, "--port=900{replica}"]
    restart: { policy: always, delaySec: 0.2 }
    usage: { log: true, intervalSec: 1 }
    # Each instance's probe is its own: healthy when its own log says it got its own port.
    health:
      exec: [/bin/sh, -c, 'grep -q "arg --port=900$1 " "$2"', sh, "{replica}", "${t.env.VIGIL_HOME}/logs/${svc}@{replica}.log"]
      intervalSec: 1
      stableSec: 0
`);
    await t.json(['apply', '-f', manifest]);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t?.cleanup();
  });

  it('runs 3 instances of one template unit, each with its own PID, log and {replica}', async () => {
    assert.ok(existsSync(path.join(UNIT_DIR, `vigil-${svc}@.service`)), 'the template unit');
    assert.ok(!existsSync(path.join(UNIT_DIR, `vigil-${svc}.service`)));
    const first = await waitFor('3 pids', async () => {
      const p = await pids(3);
      return p.every((x) => x > 0) ? p : undefined;
    });
    assert.equal(new Set(first).size, 3, `three processes: ${first.join(' ')}`);
    for (const i of [1, 2, 3]) {
      const log = path.join(t.env.VIGIL_HOME!, 'logs', `${svc}@${i}.log`);
      const text = await waitFor(`log of replica ${i}`, () =>
        existsSync(log) && readFileSync(log, 'utf8').includes('replica')
          ? readFileSync(log, 'utf8')
          : undefined,
      );
      assert.match(text, new RegExp(`replica ${i} arg --port=900${i} pid`));
    }
    const status = await waitFor('grouped status', async () => {
      const doc = await t.json<StatusDoc>(['status']);
      return doc.groups?.[0]?.running === 3 ? doc : undefined;
    });
    assert.deepEqual(
      status.groups?.[0]?.instances,
      [1, 2, 3].map((i) => `${svc}@${i}`),
    );
    assert.deepEqual(
      status.services.filter((s) => s.group === svc).map((s) => s.replica),
      [1, 2, 3],
    );
    // Each probe ran with its own index: all three healthy (a literal {replica} would fail every one).
    const healthy = await waitFor(
      'three healthy instances',
      async () => {
        const d = await api.status();
        const mine = d.services.filter((s) => s.group === svc);
        return mine.length === 3 && mine.every((s) => s.health === 'healthy') ? d : undefined;
      },
      20_000,
      200,
    );
    assert.equal(healthy.groups?.[0]?.health, 'healthy');
    const text = (await t.vigil(['status'])).stdout;
    assert.match(text, new RegExp(`^${svc}\\s+3/3 running`, 'm'));
    assert.match(text, new RegExp(`^  ${svc}@2\\s+running`, 'm'));
    const one = (await t.vigil(['status', `${svc}@2`])).stdout;
    assert.match(one, new RegExp(`^${svc}@2\\s+running`, 'm'));
    assert.doesNotMatch(one, /\d+\/\d+ running/, 'no row of its service for one instance');
  });

  it('sums the usage of the replicas under the service', async () => {
    const row = await waitFor(
      'usage of all three',
      async () => {
        const r = (await t.json<UsageReport>(['usage'])).rows.find((x) => x.key === svc);
        return r && r.requests === 3 ? r : undefined;
      },
      20_000,
      200,
    );
    assert.equal(row.tokens.output, 1000 + 2000 + 3000);
    assert.equal(row.costMicro, 6000 * 15);
    const report = await t.json<UsageReport>(['usage']);
    assert.deepEqual(
      report.rows.map((r) => r.key),
      [svc],
      'no row per instance',
    );
    const status = await api.status();
    assert.equal(status.groups?.[0]?.spend?.todayMicro, 6000 * 15);
  });

  it('kill -9 of one replica restarts only that one; meanwhile the service is degraded, not down', async () => {
    const before = await pids(3);
    await run('kill', ['-9', String(before[1])], t.env, {});
    const after = await waitFor(
      'replica 2 restarted',
      async () => {
        const p = await pids(3);
        return p[1]! > 0 && p[1] !== before[1] ? p : undefined;
      },
      15_000,
      50,
    );
    assert.equal(after[0], before[0], 'replica 1 kept its PID');
    assert.equal(after[2], before[2], 'replica 3 kept its PID');
    const doc = await waitFor('the restart in the status', async () => {
      const d = await api.status();
      return d.services.find((s) => s.name === `${svc}@2`)!.restarts >= 1 ? d : undefined;
    });
    assert.equal(doc.services.find((s) => s.name === `${svc}@1`)!.restarts, 0);
    assert.equal(doc.services.find((s) => s.name === `${svc}@3`)!.restarts, 0);
    // Stopped for good, one replica is one replica down.
    await t.vigil(['stop', `${svc}@3`]);
    const degraded = await waitFor('degraded group', async () => {
      const d = await api.status();
      return d.groups?.[0]?.running === 2 ? d : undefined;
    });
    assert.equal(degraded.groups?.[0]?.health, 'degraded');
    assert.notEqual(degraded.overall, 'down');
    assert.match((await t.vigil(['status', svc])).stdout, new RegExp(`^${svc}\\s+2/3 running`, 'm'));
    await t.vigil(['start', `${svc}@3`]);
    await waitFor('replica 3 back', async () => (await activeState(3)) === 'active');
  });

  it('vigil scale 5 then 2: starts and removes instances, the kept ones keep their PIDs', async () => {
    const kept = await pids(3);
    const up = await t.json<{ started: string[]; kept: string[]; restarted: string[] }>([
      'scale',
      svc,
      '5',
      '-f',
      manifest,
    ]);
    assert.deepEqual(up.started, [`${svc}@4`, `${svc}@5`]);
    assert.deepEqual(up.restarted, []);
    const five = await waitFor('5 pids', async () => {
      const p = await pids(5);
      return p.every((x) => x > 0) ? p : undefined;
    });
    assert.deepEqual(five.slice(0, 3), kept);
    assert.match(readFileSync(manifest, 'utf8'), /^ {4}replicas: 5$/m);
    assert.match(readFileSync(manifest, 'utf8'), /^# the workers behind one queue$/m, 'the comment is kept');
    // The two new replicas' usage joins the service's.
    await waitFor(
      'usage of five',
      async () =>
        (await t.json<UsageReport>(['usage'])).rows.find((x) => x.key === svc)?.tokens.output === 15000,
      20_000,
      200,
    );

    const down = await t.json<{ removed: string[]; restarted: string[] }>([
      'scale',
      svc,
      '2',
      '-f',
      manifest,
    ]);
    assert.deepEqual(down.removed, [`${svc}@3`, `${svc}@4`, `${svc}@5`]);
    assert.deepEqual(down.restarted, []);
    assert.deepEqual(await pids(2), kept.slice(0, 2));
    for (const i of [3, 4, 5]) assert.notEqual(await activeState(i), 'active');
    assert.ok(existsSync(path.join(UNIT_DIR, `vigil-${svc}@.service`)), 'the template stays for the two');
    const doc = await waitFor('two in the status', async () => {
      const d = await api.status();
      return d.services.filter((s) => s.group === svc).length === 2 ? d : undefined;
    });
    assert.equal(doc.groups?.[0]?.replicas, 2);
    // apply agrees with the manifest scale wrote: nothing to do.
    const plan = await t.json<{ create: string[]; update: unknown[]; remove: string[] }>([
      'apply',
      '-f',
      manifest,
    ]);
    assert.deepEqual([plan.create, plan.update, plan.remove], [[], [], []]);
    assert.deepEqual(await pids(2), kept.slice(0, 2));
  });

  it('vigil remove NAME removes every instance and the template', async () => {
    await t.json(['remove', svc]);
    assert.ok(!existsSync(path.join(UNIT_DIR, `vigil-${svc}@.service`)));
    for (const i of [1, 2]) assert.notEqual(await activeState(i), 'active');
  });
});
