/** The manifest's usage keys: per-service `usage:`, top-level `pricing:` and `budget:`. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifest } from '../../agent/core/manifest/parse.js';
import { decodeSpec, encodeSpec } from '../../agent/adapters/sqlite/codec.js';
import { parse, problems, yaml } from '../helpers/manifest.js';

const SERVICES = [
  'services:',
  '  core:',
  '    command: [python3]',
  '    metrics: { url: "http://127.0.0.1:8080/metrics" }',
  '  proxy:',
  '    command: [litellm]',
  '    metrics: { url: "http://127.0.0.1:4000/metrics" }',
];

describe('manifest: usage, pricing, budget', () => {
  it('normalizes every key, with defaults', () => {
    const { manifest } = parse(
      yaml(
        'services:',
        '  core:',
        '    command: [python3]',
        '    metrics: { url: "http://127.0.0.1:8080/metrics" }',
        '    usage: { metrics: true, log: true, provider: anthropic, intervalSec: 5 }',
        '  proxy:',
        '    command: [litellm]',
        '    metrics: { url: "http://127.0.0.1:4000/metrics" }',
        '    usage:',
        '      litellm: { keyAliases: { core-key: core }, teams: { research: core } }',
        '  quiet:',
        '    command: [sleep]',
        '    usage: { log: { path: /var/log/quiet.jsonl } }',
        'pricing:',
        '  My-Local-Model: { input: 0, output: 0 }',
        '  "ft:gpt-4o-mini:*": { input: 0.3, output: 1.2, cacheRead: 0.15 }',
        '  big: { input: 3, output: 15, longContext: { aboveInputTokens: 200000, input: 6, output: 22.5 } }',
        'budget:',
        '  timezone: Europe/Paris',
        '  dailyUsd: 20',
        '  monthlyUsd: 400',
        '  thresholds: [100, 50, 80]',
        '  onExceed: stop',
        '  stop: [core]',
        '  services: { core: { dailyUsd: 5 }, proxy: { dailyUsd: 10, onExceed: alert } }',
      ),
    );
    const byName = new Map(manifest.services.map((s) => [s.name, s]));
    assert.deepEqual(byName.get('core')!.usage, {
      metrics: true,
      log: {},
      provider: 'anthropic',
      intervalSec: 5,
    });
    assert.deepEqual(byName.get('proxy')!.usage, {
      metrics: false,
      litellm: {
        url: 'http://127.0.0.1:4000/metrics',
        keyAliases: { 'core-key': 'core' },
        teams: { research: 'core' },
      },
      intervalSec: 10,
    });
    for (const svc of manifest.services) {
      // As the database stores it: `vigil apply` compares the stored spec with the parsed one.
      assert.deepStrictEqual(
        decodeSpec(encodeSpec(svc)),
        svc,
        `${svc.name} round-trips through the store's codec`,
      );
    }
    assert.deepEqual(byName.get('quiet')!.usage?.log, { path: '/var/log/quiet.jsonl' });
    assert.deepEqual(manifest.pricing, {
      'my-local-model': { input: 0, output: 0 },
      'ft:gpt-4o-mini:*': { input: 0.3, output: 1.2, cacheRead: 0.15 },
      big: {
        input: { base: 3, tiers: [{ start: 200000, price: 6 }] },
        output: { base: 15, tiers: [{ start: 200000, price: 22.5 }] },
      },
    });
    assert.deepEqual(manifest.budget, {
      timezone: 'Europe/Paris',
      dailyUsd: 20,
      monthlyUsd: 400,
      hourlyUsd: null,
      thresholds: [50, 80, 100],
      onExceed: 'stop',
      stop: ['core'],
      services: { core: { dailyUsd: 5, onExceed: 'stop' }, proxy: { dailyUsd: 10, onExceed: 'alert' } },
      spike: { factor: 2, minUsd: 1 },
    });
  });

  it('a manifest without them has none (and services have no usage)', () => {
    const { manifest } = parse(yaml(...SERVICES));
    assert.equal(manifest.budget, undefined);
    assert.equal(manifest.pricing, undefined);
    assert.equal(manifest.services[0]!.usage, undefined);
  });

  it('locates unknown keys and bad values', () => {
    assert.deepEqual(
      problems(
        yaml(
          ...SERVICES.slice(0, 4),
          '    usage: { metrics: yes-please, logs: true, intervalSec: 0 }',
          ...SERVICES.slice(4),
          'pricing:',
          '  m: { input: -1, outptu: 2 }',
          'budget:',
          '  timezone: Mars/Olympus',
          '  dailyUsd: -5',
          '  thresholds: [0, 80]',
          '  onExceed: explode',
        ),
      ),
      [
        [5, 'services.core.usage.metrics', 'must be true or false, not the string "yes-please"'],
        [5, 'services.core.usage.logs', 'unknown key'],
        [5, 'services.core.usage.intervalSec', 'must be >= 1'],
        [10, 'pricing.m.input', 'must be >= 0'],
        [10, 'pricing.m.outptu', 'unknown key'],
        [12, 'budget.timezone', 'must be an IANA time zone such as Europe/Paris or UTC'],
        [13, 'budget.dailyUsd', 'must be >= 0'],
        [14, 'budget.thresholds[0]', 'must be > 0'],
        [15, 'budget.onExceed', 'must be alert or stop'],
      ],
    );
  });

  it('checks what needs the whole manifest: service names, URLs, a budget to exceed, prices', () => {
    assert.deepEqual(
      problems(
        yaml(
          'services:',
          '  core:',
          '    command: [python3]',
          '    usage: { metrics: true }',
          '  proxy:',
          '    command: [litellm]',
          '    usage: { litellm: { keyAliases: { k1: nobody } } }',
          'pricing:',
          '  free-ish: { cacheRead: 1 }',
          '  "a*b": { input: 1, longContext: { aboveInputTokens: 10, cacheRead: 2 } }',
          'budget:',
          '  stop: [ghost]',
          '  services: { phantom: { dailyUsd: 1 } }',
        ),
      ),
      [
        [4, 'services.core.usage.metrics', "needs the service's metrics.url to scrape"],
        [7, 'services.proxy.usage.litellm.url', 'is required when the service has no metrics.url'],
        [7, 'services.proxy.usage.litellm.keyAliases.k1', 'unknown service "nobody"'],
        [9, 'pricing.free-ish', 'needs at least input or output (USD per million tokens)'],
        [10, 'pricing.a*b', 'a "*" may only end the model name (a prefix)'],
        [
          10,
          'pricing.a*b.longContext.cacheRead',
          'needs a base price: cacheRead is not set for the model itself',
        ],
        [12, 'budget.stop', 'needs dailyUsd or monthlyUsd: there is no global budget to exceed'],
        [12, 'budget.stop[0]', 'unknown service "ghost"'],
        [13, 'budget.services.phantom', 'unknown service "phantom"'],
      ],
    );
  });

  it('examples/vigil.yaml shows a LiteLLM mapping, a log source, pricing overrides and a budget', () => {
    const file = fileURLToPath(new URL('../../examples/vigil.yaml', import.meta.url));
    const { manifest } = parseManifest(readFileSync(file, 'utf8'), { file, which: (p) => `/usr/bin/${p}` });
    const svc = (n: string) => manifest.services.find((s) => s.name === n)!;
    assert.deepEqual(svc('llm-proxy').usage?.litellm?.keyAliases, {
      'agent-core-key': 'agent-core',
      'memory-key': 'memory-worker',
    });
    assert.equal(svc('llm-proxy').usage?.litellm?.url, 'http://127.0.0.1:4000/metrics');
    assert.deepEqual(svc('agent-core').usage?.log, {});
    assert.deepEqual(Object.keys(manifest.pricing ?? {}), ['local-llama-*', 'ft:gpt-4o-mini:*']);
    assert.deepEqual(manifest.budget?.services, { 'memory-worker': { dailyUsd: 3, onExceed: 'stop' } });
    assert.equal(manifest.budget?.timezone, 'Europe/Paris');
  });
});
