/**
 * `vigil demo`'s manifest through the real manifest parser (every key valid, the stack wired as meant),
 * its pace from VIGIL_DEMO_*, and the demo agent's own unit never listed as a service of its home.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseManifest } from '../../agent/core/manifest/parse.js';
import {
  DEFAULT_TIMINGS,
  DEMO_CREDENTIAL_SET,
  DEMO_SERVICES,
  demoManifest,
  demoTimings,
} from '../../agent/cli/demo/manifest.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { renderAgentUnit } from '../../agent/adapters/systemd/agent-unit.js';
import { SystemdManager } from '../../agent/adapters/systemd/systemd-manager.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';

const PORTS = { proxy: 41001, agent: 41002, watchdog: 41003, monitor: 41004, http: 41005 };

function parsed(timings = DEFAULT_TIMINGS) {
  const text = demoManifest({
    node: '/usr/bin/node',
    stack: '/home/u/.vigil-demo/stack',
    ports: PORTS,
    timings,
  });
  return parseManifest(text, { file: '/home/u/.vigil-demo/vigil.yaml' }).manifest;
}

describe('vigil demo: the manifest', () => {
  it('parses with the real parser: five services, the proxy health-gated, usage from two logs', () => {
    const m = parsed();
    assert.deepEqual(m.services.map((s) => s.name).sort(), [...DEMO_SERVICES].sort());
    const by = Object.fromEntries(m.services.map((s) => [s.name, s]));
    assert.deepEqual(by['demo-agent']!.command, ['/usr/bin/node', '/home/u/.vigil-demo/stack/agent.mjs']);
    assert.deepEqual(
      by['demo-agent']!.waitFor?.map((w) => w.service),
      ['demo-model-proxy'],
      'demo-agent waits for the proxy to be healthy',
    );
    assert.equal(by['demo-agent']!.env.PROXY_URL, 'http://127.0.0.1:41001');
    assert.ok(by['demo-agent']!.usage, 'demo-agent reports usage');
    assert.ok(by['demo-worker']!.usage, 'demo-worker reports usage');
    assert.equal(by['demo-model-proxy']!.usage, undefined, 'the proxy is no usage source (no double count)');
    assert.deepEqual(by['demo-model-proxy']!.credentials, [DEMO_CREDENTIAL_SET]);
    assert.equal(by['demo-upstream-monitor']!.restart.policy, 'always');
    assert.equal(m.budget?.dailyUsd, DEFAULT_TIMINGS.budgetUsd);
    assert.deepEqual(m.budget?.thresholds, [80, 100]);
    assert.equal(m.budget?.services['demo-worker']?.onExceed, 'stop');
  });

  it('carries the pace from VIGIL_DEMO_* into the services and the budget', () => {
    const t = demoTimings({
      VIGIL_DEMO_CALL_MS: '300',
      VIGIL_DEMO_BUDGET_USD: '0.5',
      VIGIL_DEMO_CRASH_SEC: '20',
    });
    assert.equal(t.callMs, 300);
    assert.equal(t.workerMs, DEFAULT_TIMINGS.workerMs);
    const m = parsed(t);
    const by = Object.fromEntries(m.services.map((s) => [s.name, s]));
    assert.equal(by['demo-agent']!.env.DEMO_CALL_MS, '300');
    assert.equal(by['demo-upstream-monitor']!.env.DEMO_CRASH_SEC, '20');
    assert.equal(m.budget?.dailyUsd, 0.5);
  });

  it('refuses a pace that is not a positive number, naming the variable', () => {
    assert.throws(
      () => demoTimings({ VIGIL_DEMO_CALL_MS: 'fast' }),
      /VIGIL_DEMO_CALL_MS must be a positive number, not "fast"/,
    );
    assert.throws(() => demoTimings({ VIGIL_DEMO_BUDGET_USD: '0' }), /VIGIL_DEMO_BUDGET_USD/);
  });
});

describe("vigil demo: the demo's agent unit", () => {
  it('is not listed as a service of its VIGIL_HOME (vigil-demo.service would read as "demo")', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-demo-units-'));
    try {
      const paths = vigilPaths({
        HOME: '/home/u',
        VIGIL_HOME: '/home/u/.vigil-demo',
        VIGIL_SYSTEMD_UNIT_DIR: dir,
      });
      writeFileSync(
        path.join(dir, 'vigil-demo.service'),
        renderAgentUnit(paths, ['/usr/bin/node', '/opt/vigil/bin/vigil.js', 'agent', 'run'], {
          VIGIL_HOME: paths.home,
        }),
      );
      // A service unit of the same home, for contrast (listed).
      writeFileSync(
        path.join(dir, 'vigil-demo-agent.service'),
        `[Unit]\nX-Vigil-Home=${paths.home}\n[Service]\nExecStart=/bin/true\n`,
      );
      const m = new SystemdManager({ runner: new ScriptedRunner([]), paths, env: {}, launcher: '/bin/true' });
      assert.deepEqual(
        (await m.listInstalled()).map((u) => u.unit),
        ['vigil-demo-agent.service'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
