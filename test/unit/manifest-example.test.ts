/** examples/vigil.yaml parses, and says what it claims to say. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest } from '../../agent/core/manifest/parse.js';

describe('examples/vigil.yaml', () => {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/vigil.yaml');
  const { manifest, warnings } = parseManifest(readFileSync(file, 'utf8'), {
    file,
    which: (p) => `/usr/bin/${p}`,
  });
  const dir = path.dirname(file);
  const svc = (name: string) => manifest.services.find((s) => s.name === name)!;

  it('parses without warnings, in dependency order', () => {
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      manifest.services.map((s) => s.name),
      ['llm-proxy', 'agent-core', 'memory-worker', 'cron-watchdog', 'upstream-monitor'],
    );
    for (const s of manifest.services) assert.ok(s.description, `${s.name} has a description`);
  });

  it('describes the LiteLLM proxy the agent core depends on', () => {
    const proxy = svc('llm-proxy');
    assert.deepEqual(proxy.command.slice(0, 6), [
      '/usr/bin/litellm',
      '--config',
      './litellm.config.yaml',
      '--port',
      '4000',
      '--host',
    ]);
    assert.equal(proxy.cwd, path.join(dir, 'proxy'));
    assert.deepEqual(proxy.credentials, ['llm-providers', 'llm-proxy']);
    assert.deepEqual(proxy.health?.probe, { kind: 'http', url: 'http://127.0.0.1:4000/health/liveliness' });
    assert.equal(proxy.metrics?.url, 'http://127.0.0.1:4000/metrics');
    assert.deepEqual(proxy.limits, { memoryBytes: 1024 ** 3, cpuPercent: 100 });
    const core = svc('agent-core');
    assert.deepEqual(core.dependsOn, ['llm-proxy']);
    assert.equal(core.command[0], path.join(dir, 'agent/.venv/bin/python'));
    assert.equal(core.env.PYTHON_VERSION, '3.10');
    assert.deepEqual(core.limits, { memoryBytes: 2 * 1024 ** 3, cpuPercent: 200 });
  });

  it('uses defaults where the example says it does', () => {
    assert.deepEqual(svc('cron-watchdog').health, {
      probe: { kind: 'http', url: 'http://127.0.0.1:8711/healthz' },
      intervalSec: 10,
      timeoutSec: 2,
    });
    assert.deepEqual(svc('upstream-monitor').restart, {
      policy: 'always',
      delaySec: 1,
      burst: 5,
      intervalSec: 60,
    });
    assert.deepEqual(svc('upstream-monitor').command, [
      path.join(dir, 'monitor/bin/upstream-monitor'),
      '--providers',
      'openai,anthropic',
      '--port',
      '9464',
    ]);
    assert.equal(svc('upstream-monitor').cwd, undefined);
    assert.equal(svc('memory-worker').restart.policy, 'on-failure');
  });
});
