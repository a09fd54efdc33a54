import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderUnit } from '../../agent/adapters/systemd/unit-render.js';
import { renderPlist } from '../../agent/adapters/launchd/plist-render.js';
import { readSystemdUnit } from '../../agent/core/import/systemd.js';
import { readLaunchAgent } from '../../agent/core/import/plist.js';
import { assemble } from '../../agent/core/import/assemble.js';
import { emitManifest } from '../../agent/core/import/emit.js';
import { parseManifest } from '../../agent/core/manifest/parse.js';
import type { Manifest, ServiceSpec } from '../../agent/core/manifest/model.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { main } from '../../agent/cli/main.js';

const which = (p: string) => `/usr/bin/${p}`;
const MANIFEST = `
services:
  redis:
    command: [/usr/bin/redis-server, --port, "6390"]
    health: { tcp: "127.0.0.1:6390" }
    limits: { memory: 256M }
  proxy:
    description: The model proxy
    command: [/bin/sh, -c, 'echo "a $HOME 100%"; exec sleep 1000']
    cwd: /tmp
    env: { PORT: "4000", MODE: "a b" }
    credentials: [proxy, shared]
    dependsOn: { redis: healthy }
    restart: { policy: on-failure, delaySec: 3, burst: 7, intervalSec: 90 }
    limits: { memory: 1G, cpu: 150% }
    stopTimeoutSec: 12
    logs: { maxBytes: 2M, keep: 3 }
  worker:
    command: [/bin/sleep, "1000"]
    dependsOn: [proxy]
    restart: { policy: "no" }
`;

/** The parts of a spec that its unit or plist carries. */
function carried(s: ServiceSpec, deps = true) {
  return {
    name: s.name,
    description: s.description,
    command: s.command,
    cwd: s.cwd,
    env: s.env,
    credentials: s.credentials,
    dependsOn: deps ? [...s.dependsOn].sort() : [],
    waitFor: s.waitFor?.map((w) => ({ service: w.service, probe: w.probe })),
    restart: s.restart,
    limits: s.limits,
    stopTimeoutSec: s.stopTimeoutSec,
    logs: s.logs,
  };
}

function reimport(files: { file: string; read: () => ReturnType<typeof readSystemdUnit> }[]): Manifest {
  const a = assemble(
    files.map((f) => f.read()),
    { allEnvToCredentials: false, envFiles: new Map() },
  );
  return parseManifest(emitManifest(a.services, [], []), { file: '/tmp/re/vigil.yaml', which }).manifest;
}

const original = parseManifest(MANIFEST, { file: '/tmp/orig/vigil.yaml', which }).manifest;
const paths = vigilPaths({ HOME: '/home/ada', VIGIL_HOME: '/home/ada/.vigil' });
const launcher = '/opt/vigil/dist/bin/vigil-launch';

test("importing Vigil's own systemd units gives back an equivalent manifest", () => {
  const units = original.services.map((s) => renderUnit(s, { paths, launcher }));
  const back = reimport(units.map((u) => ({ file: u.path, read: () => readSystemdUnit(u.path, u.content) })));
  const byName = (m: Manifest) =>
    m.services.map((s) => carried(s)).sort((x, y) => x.name.localeCompare(y.name));
  assert.deepEqual(byName(back), byName(original));
});

// A plist carries no Description, no limits (the agent enforces them on macOS) and no started dependencies.
test("importing Vigil's own plists gives back an equivalent manifest (what a plist carries)", () => {
  const ctx = { paths, agentDir: '/home/ada/Library/LaunchAgents', launcher };
  const plists = original.services.map((s) => renderPlist(s, ctx));
  const back = reimport(
    plists.map((p) => ({ file: p.path, read: () => readLaunchAgent(p.path, Buffer.from(p.content)) })),
  );
  const norm = (m: Manifest) =>
    m.services
      .map((s) => ({
        ...carried(s, false),
        description: undefined,
        limits: undefined,
        dependsOn: (s.waitFor ?? []).map((w) => w.service),
        restart: { ...s.restart, burst: 0, intervalSec: 0 },
      }))
      .sort((x, y) => x.name.localeCompare(y.name));
  assert.deepEqual(norm(back), norm(original));
});

function io(cwd: string, env: NodeJS.ProcessEnv) {
  let out = '';
  let err = '';
  return {
    io: {
      out: (t: string) => void (out += t),
      err: (t: string) => void (err += t),
      stdin: process.stdin,
      env,
      cwd,
    },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

const FIX = path.resolve('test/fixtures/import');

test('bad input: unreadable, unknown format, not a plist, compose YAML error — file and line, nothing written', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-import-'));
  const env = { ...process.env, VIGIL_HOME: path.join(dir, 'home') };
  const unreadable = path.join(dir, 'secret.service');
  writeFileSync(unreadable, '[Service]\nExecStart=/bin/true\n');
  chmodSync(unreadable, 0o000);
  const cases: [string[], RegExp][] = [
    [[path.join(dir, 'missing.service')], /missing\.service: no such file/],
    [[path.join(FIX, 'notes.txt')], /notes\.txt: unknown format/],
    [[path.join(FIX, 'broken.plist')], /broken\.plist(:\d+)?: not a property list/],
    [[path.join(FIX, 'broken-compose.yml')], /broken-compose\.yml:\d+: YAML error/],
    [[path.join(FIX, 'ecosystem.config.cjs')], /ecosystem\.config\.cjs: .*only with --allow-js/],
    // A good file next to a bad one: still nothing written.
    [[path.join(FIX, 'ecosystem.config.json'), path.join(FIX, 'broken.plist')], /broken\.plist/],
  ];
  if (process.getuid?.() !== 0) cases.push([[unreadable], /secret\.service: cannot be read/]);
  // Unreadable for root too: a folder where a unit file is named.
  mkdirSync(path.join(dir, 'folder.service'));
  cases.push([[path.join(dir, 'folder.service')], /folder\.service: cannot be read: .*EISDIR/]);
  for (const [files, re] of cases) {
    const r = io(dir, env);
    const code = await main(['import', ...files, '-o', path.join(dir, 'vigil.yaml')], r.io);
    assert.equal(code, 2, `${files.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.ok(!existsSync(path.join(dir, 'vigil.yaml')), 'no manifest written');
    assert.ok(!existsSync(path.join(dir, 'home', 'credentials')), 'no credential written');
  }
});

test('the CLI: secrets into the store and never on stdout; .cjs evaluated with --allow-js', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-import-'));
  mkdirSync(path.join(dir, 'home'), { mode: 0o700 });
  const env = { ...process.env, VIGIL_HOME: path.join(dir, 'home') };
  const r = io(dir, env);
  const files = [
    'com.example.litellm.plist',
    'docker-compose.yml',
    'ecosystem.config.json',
    'ecosystem.config.cjs',
  ];
  const code = await main(
    ['import', ...files.map((f) => path.join(FIX, f)), '--allow-js', '-o', 'out.yaml'],
    r.io,
  );
  assert.equal(code, 0, r.err);
  const yaml = readFileSync(path.join(dir, 'out.yaml'), 'utf8');
  for (const canary of ['sk-canary-plist-7f3a9c2e1b', 'sk-canary-compose-91b0d3', 'xoxb-canary-pm2-55aa11']) {
    assert.ok(!yaml.includes(canary) && !r.out.includes(canary) && !r.err.includes(canary), canary);
  }
  assert.match(
    readFileSync(path.join(dir, 'home', 'credentials', 'litellm.env'), 'utf8'),
    /OPENAI_API_KEY=sk-canary-plist-7f3a9c2e1b/,
  );
  assert.match(r.out, /credential set litellm: OPENAI_API_KEY/);
  assert.match(yaml, /js-app:\n\s+command: \[ \/bin\/sh, -c, exec sleep 100000 \]/);
  // An existing manifest is never overwritten without --force.
  const again = io(dir, env);
  assert.equal(
    await main(['import', path.join(FIX, 'ecosystem.config.json'), '-o', 'out.yaml'], again.io),
    2,
  );
  assert.match(again.err, /exists/);
});
