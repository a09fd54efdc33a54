/**
 * The lazy-loading rule, checked: the idle agent (agent/daemon/run.ts and everything it imports
 * statically) and the CLI's entry (agent/cli/main.ts) load neither zod, plist, prom-client, yaml,
 * systeminformation nor TLS. Those come in with `await import()` where they are first needed (a request
 * body to validate, a launchd plist, /metrics, a manifest, the host strip, an https URL), which keeps the
 * idle agent's memory and every CLI start small. So do the agent's own features that only a request or a
 * configured source needs (log reading, credential management, usage log parsing, the API client): each
 * listed file names the one that imports it on first use. Type-only imports are erased and do not count.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CPU_WINDOW_MS, SiHostFacts, type HostLibrary } from '../../agent/adapters/host/si-host-facts.js';
import { FakeClock } from '../helpers/fake-clock.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HEAVY = [
  'zod',
  'plist',
  'prom-client',
  'yaml',
  'systeminformation',
  'protobufjs',
  'node:tls',
  'node:https',
  'tls',
  'https',
];

/** Static value imports of a TypeScript file: `import x from 'm'`, `import { a } from 'm'`, `export … from 'm'`. */
export function staticImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) {
    // `import { type A, type B } from 'm'` names only types: erased too. (A default or `* as` import
    // before the braces is a value.)
    const named = /^\s*(?:import|export)\s+\{([^}]*)\}/.exec(m[0]);
    const parts =
      named?.[1]
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? [];
    if (parts.length > 0 && parts.every((p) => p.startsWith('type '))) continue;
    out.push(m[1]!);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const ts = path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');
  if (existsSync(ts)) return ts;
  const tsx = ts.replace(/\.ts$/, '.tsx');
  return existsSync(tsx) ? tsx : null;
}

/**
 * Every package (bare specifier) reached by static imports from `entry`, with the chain that reaches it;
 * `seen` gets every file reached, with its chain.
 */
function reachedPackages(
  entry: string,
  seen: Map<string, string[]> | Set<string> = new Set(),
): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    if (seen instanceof Map) seen.set(file, chain);
    else seen.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      const local = resolveLocal(file, spec);
      if (local) walk(local, [...chain, path.relative(ROOT, local)]);
      else if (!spec.startsWith('.') && !packages.has(spec)) packages.set(spec, chain);
    }
  };
  walk(entry, [path.relative(ROOT, entry)]);
  return packages;
}

describe('lazy loading', () => {
  for (const entry of ['agent/daemon/run.ts', 'agent/cli/main.ts']) {
    it(`${entry} loads none of ${HEAVY.join(', ')} statically`, () => {
      const reached = reachedPackages(path.join(ROOT, entry));
      const heavy = HEAVY.filter((p) => reached.has(p)).map((p) => `${p} via ${reached.get(p)!.join(' → ')}`);
      assert.deepEqual(heavy, []);
      assert.ok(reached.has('better-sqlite3') || entry.includes('cli'), 'the walk follows the imports');
    });
  }

  it('the idle agent loads none of the OTLP listener (it comes in when the manifest has otlp:)', () => {
    const files = new Set<string>();
    reachedPackages(path.join(ROOT, 'agent/daemon/run.ts'), files);
    const lazy = [
      'agent/api/otlp-server.ts',
      'agent/adapters/otlp/decode.ts',
      'agent/app/usage/otlp-ingest.ts',
    ];
    assert.ok(files.has(path.join(ROOT, 'agent/daemon/otlp-module.ts')), 'the walk reaches the OTLP module');
    assert.deepEqual(
      lazy.filter((f) => files.has(path.join(ROOT, f))),
      [],
    );
  });

  it('the idle agent loads none of the features it serves only on request (logs, credentials, usage log reading)', () => {
    // `vigil agent run` is this command's file, which imports the agent (daemon/run.ts).
    const files = new Map<string, string[]>();
    reachedPackages(path.join(ROOT, 'agent/cli/commands/agent.ts'), files);
    assert.ok(files.has(path.join(ROOT, 'agent/daemon/run.ts')), 'the walk reaches the agent');
    // Each is imported on first use by the file that stands in for it at start-up (see that file).
    const lazy: Record<string, string> = {
      // log-routes.ts: the first tail, search or follow
      'agent/daemon/log-reader.ts': 'agent/daemon/log-routes.ts',
      'agent/adapters/logs/reader.ts': 'agent/daemon/log-routes.ts',
      'agent/adapters/logs/search.ts': 'agent/daemon/log-routes.ts',
      'agent/adapters/logs/follow.ts': 'agent/daemon/log-routes.ts',
      // log-tail.ts: a crash's last lines that the quick read of the current file cannot give
      'agent/adapters/logs/tail.ts': 'agent/adapters/fs/log-tail.ts',
      'agent/adapters/logs/regex-runner.ts': 'agent/adapters/fs/log-tail.ts',
      // credential-routes.ts: the first credential request
      'agent/daemon/credential-handlers.ts': 'agent/daemon/credential-routes.ts',
      'agent/app/credentials.ts': 'agent/daemon/credential-routes.ts',
      'agent/app/rotate.ts': 'agent/daemon/credential-routes.ts',
      // lazy-sources.ts: the first usage log read
      'agent/adapters/usage/log-reader.ts': 'agent/adapters/usage/lazy-sources.ts',
      'agent/adapters/usage/inline-parser.ts': 'agent/adapters/usage/lazy-sources.ts',
      'agent/core/usage/normalize.ts': 'agent/adapters/usage/lazy-sources.ts',
      // cli/commands/agent.ts: `vigil agent start` waiting for the agent it started
      'agent/api/client.ts': 'agent/cli/commands/agent.ts',
    };
    for (const standIn of new Set(Object.values(lazy)))
      assert.ok(files.has(path.join(ROOT, standIn)), `the walk reaches ${standIn}`);
    const reached = Object.keys(lazy)
      .filter((f) => files.has(path.join(ROOT, f)))
      .map((f) => `${f} via ${files.get(path.join(ROOT, f))!.join(' → ')}`);
    assert.deepEqual(reached, []);
  });

  it('systeminformation loads on the first host read, once, not when the agent builds its host facts', async () => {
    let loads = 0;
    let cpuCalls = 0;
    const lib = {
      currentLoad: async () => {
        cpuCalls++;
        return { currentLoad: 12.34, cpus: [{}, {}] };
      },
      mem: async () => ({ total: 8e9, available: 6e9 }),
      time: () => ({ uptime: 3600.4 }),
      battery: async () => ({ hasBattery: true, acConnected: false, percent: 81, isCharging: false }),
    } as unknown as HostLibrary;
    const clock = new FakeClock(Date.UTC(2026, 11, 2));
    const facts = new SiHostFacts({
      home: '/vh',
      disk: { space: (p) => ({ path: p, freeBytes: 5e9, totalBytes: 2e10 }) },
      clock,
      platform: 'darwin',
      load: async () => {
        loads++;
        return lib;
      },
    });
    await clock.advance(60_000);
    assert.equal(loads, 0, 'nothing loaded before anyone asks');
    assert.equal(facts.loaded, false);
    const doc = await facts.read();
    assert.equal(loads, 1);
    assert.deepEqual(
      [doc.cpu, doc.memory, doc.disk, doc.uptimeSec, doc.power],
      [
        { percent: 12.3, cores: 2 },
        { totalBytes: 8e9, availableBytes: 6e9, usedPercent: 25 },
        { path: '/vh', freeBytes: 5e9, totalBytes: 2e10 },
        3600,
        { source: 'battery', batteryPercent: 81, charging: false },
      ],
    );
    await facts.read();
    assert.equal(cpuCalls, 1, 'a second read within a second shares the first');
    await clock.advance(5_000);
    await facts.read();
    assert.equal(loads, 1, 'loaded once');
    assert.equal(cpuCalls, 2, 'a recent reading: the share since then');
    // Read an hour later: not the hour's average, a new window first.
    await clock.advance(3600_000);
    const late = facts.read();
    for (let i = 0; i < 50 && clock.pending === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(cpuCalls, 3, 'the window starts');
    await clock.advance(CPU_WINDOW_MS);
    await late;
    assert.equal(cpuCalls, 4);
  });

  it('counts value imports, not type-only ones', () => {
    assert.deepEqual(staticImports("import type { A } from 'zod';\nimport { type B } from 'plist';\n"), []);
    assert.deepEqual(
      staticImports("import { z } from 'zod';\nexport { x } from './y.js';\nimport 'side';\n"),
      ['zod', './y.js', 'side'],
    );
  });
});
