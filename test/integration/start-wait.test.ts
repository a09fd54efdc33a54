/**
 * `vigil start` through the running agent of a service whose `healthy` dependency takes 14 s to come up
 * (real systemd, real redis-server): the start waits in vigil-launch longer than the client's usual 10 s,
 * and the CLI waits for it and succeeds. And `vigil stop` of the dependency, which systemd's Requires=
 * extends to the dependent, is intended for both: no `killed` event and no page for the dependent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, makeHome, sleep, startAgent, type AgentProcess, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { requireLauncher } from '../helpers/launcher.js';
import { ApiClient } from '../../agent/api/client.js';
import type { StatusDoc } from '../../agent/core/status.js';
import { freePort } from '../helpers/free-port.js';

const SLOW_REDIS = path.join(FIXTURES, 'services', 'slow-redis.sh');

describe('vigil start waits for a slow healthy dependency (real systemd, agent running)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let api: ApiClient;
  const p = uniquePrefix();
  const redis = `${p}-redis`;
  const web = `${p}-web`;

  before(async () => {
    requireLauncher();
    t = await makeHome();
    const port = await freePort();
    const applied = await t.vigil(
      [
        'apply',
        '-f',
        t.manifest(`services:
  ${redis}:
    command: [${SLOW_REDIS}]
    env: { PORT: "${port}", DELAY: "14" }
    health: { tcp: "127.0.0.1:${port}", intervalSec: 1 }
  ${web}:
    command: [/bin/sh, -c, 'echo up; exec sleep 1000']
    dependsOn: { ${redis}: healthy }
`),
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(applied.code, 0, applied.stderr);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  it('vigil stop of the dependency stops both; vigil start of the dependent (~14 s) succeeds; no killed event or alert for it', async () => {
    // A process started within 1 s before a stop intent counts as started after it (systemd's timestamps
    // are whole seconds, core/intent.ts): let the freshly applied dependent run a moment first.
    await sleep(2000);
    const since = Date.now();
    const stop = await t.vigil(['stop', redis], { timeoutMs: 120_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const doc = await t.json<StatusDoc>(['status']);
    assert.equal(
      doc.services.find((s) => s.name === web)?.state,
      'stopped',
      'Requires=: stopped with its dependency',
    );
    assert.equal(doc.services.find((s) => s.name === web)?.startTimeoutSec, 77);
    const t0 = Date.now();
    const start = await t.vigil(['start', web], { timeoutMs: 150_000 });
    const took = Date.now() - t0;
    assert.equal(start.code, 0, `vigil start failed after ${took} ms: ${start.stderr}`);
    assert.ok(took > 10_000, `the start took ${took} ms: longer than the client's usual 10 s`);
    const after = await t.json<StatusDoc>(['status']);
    assert.equal(after.services.find((s) => s.name === web)?.state, 'running');
    const events = (await api.events({ limit: 1000, service: web })).events.filter((e) => e.at >= since);
    assert.deepEqual(
      events.filter((e) => e.type === 'killed' || e.type === 'crashed').map((e) => e.message),
      [],
    );
    const alerts = events.filter((e) => e.type === 'alert-firing');
    assert.deepEqual(
      alerts.map((e) => e.message),
      [],
    );
  });
});
