/**
 * LaunchAgent plists: every rendered plist is read back by an independent parser (python3's plistlib) and
 * checked key by key against what the manifest says; drift hashing; no secret; labels.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBinary } from 'plist';
import { vigilPaths } from '../../agent/core/paths.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import {
  buildPlist,
  parsePlistFile,
  plistHash,
  readMarkers,
  renderPlist,
  keepAliveOf,
  throttleIntervalOf,
} from '../../agent/adapters/launchd/plist-render.js';
import { servicePath } from '../../agent/adapters/launchd/labels.js';
import { selectBackend } from '../../agent/daemon/compose.js';
import {
  arr,
  bool,
  dict,
  noPython,
  findPython,
  int,
  makeSpec,
  plistlibLoad,
  str,
  type Typed,
} from '../helpers/launchd.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-plist-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const paths = vigilPaths({ HOME: '/Users/me', VIGIL_HOME: '/Users/me/.vigil home' });
const ctx = {
  paths,
  agentDir: '/Users/me/Library/LaunchAgents',
  launcher: '/opt/vigil/dist/bin/vigil-launch',
};
const python = findPython();

const WEIRD = [
  'a b',
  'q"uote',
  "it's",
  '$HOME',
  '${HOME}',
  ';',
  '%n %% 100%',
  'back\\slash\\',
  'héllo ✓',
  'tab\there',
  '',
  '<&>',
  ']]>',
  // A multi-line `sh -c` / `python -c` script: a plist <string> carries its line breaks as they are.
  'import sys\nfor a in sys.argv:\n    print(a)\r\n\tdone\n',
];

const SPECS: ServiceSpec[] = [
  makeSpec('proxy', {
    command: ['/opt/homebrew/bin/litellm', '--config', '/Users/me/agent/litellm.yaml', '--port', '4000'],
    env: { LITELLM_LOG: 'INFO', ODD: 'x <y> & "z" $V %p' },
    credentials: ['anthropic', 'openai'],
    restart: { policy: 'always', delaySec: 2, burst: 5, intervalSec: 60 },
    limits: { memoryBytes: 2 * 1024 ** 3, cpuPercent: 200 },
  }),
  makeSpec('core', {
    command: ['/usr/bin/python3', '-m', 'agent.core', ...WEIRD],
    cwd: '/Users/me/agent dir',
    restart: { policy: 'on-failure', delaySec: 0, burst: 3, intervalSec: 30 },
    launchd: { labelPrefix: 'com.example.vigil', processType: 'Interactive' },
  }),
  makeSpec('once', {
    command: ['/bin/echo', 'done'],
    restart: { policy: 'no', delaySec: 12.5, burst: 5, intervalSec: 60 },
    credentials: [],
    logs: { maxBytes: 1024 ** 2, keep: 0 },
    stopTimeoutSec: 120,
  }),
];

/** What the plist must say, written out from the spec independently of the renderer. */
function expected(spec: ServiceSpec, hash: string): Typed {
  const label = `${spec.launchd?.labelPrefix ?? 'dev.vigil'}.${spec.name}`;
  const log = `/Users/me/.vigil home/logs/${spec.name}.log`;
  const keepAlive: Typed =
    spec.restart.policy === 'always'
      ? bool(true)
      : spec.restart.policy === 'on-failure'
        ? dict({ SuccessfulExit: bool(false) })
        : bool(false);
  const env: Record<string, Typed> = { PATH: str(servicePath(spec.command[0])) };
  for (const [k, v] of Object.entries(spec.env)) env[k] = str(v);
  return dict({
    Label: str(label),
    ProgramArguments: arr([
      '/opt/vigil/dist/bin/vigil-launch',
      '--service',
      spec.name,
      '--log',
      log,
      '--max-bytes',
      String(spec.logs?.maxBytes ?? 10 * 1024 * 1024),
      '--keep',
      String(spec.logs?.keep ?? 5),
      ...spec.credentials.flatMap((c) => ['--env-file', `/Users/me/.vigil home/credentials/${c}.env`]),
      '--exits',
      '/Users/me/.vigil home/state/exits.log',
      '--stop-timeout',
      String(spec.stopTimeoutSec ?? 30),
      '--',
      ...spec.command,
    ]),
    ...(spec.cwd ? { WorkingDirectory: str(spec.cwd) } : {}),
    EnvironmentVariables: dict(env),
    RunAtLoad: bool(true),
    KeepAlive: keepAlive,
    ThrottleInterval: int(Math.max(1, Math.ceil(spec.restart.delaySec))),
    // The launcher kills the service at stopTimeoutSec; launchd's own SIGKILL (launcher only) 5 s later.
    ExitTimeOut: int((spec.stopTimeoutSec ?? 30) + 5),
    ProcessType: str(spec.launchd?.processType ?? 'Standard'),
    StandardOutPath: str(`/Users/me/.vigil home/logs/${spec.name}.launcher.log`),
    StandardErrorPath: str(`/Users/me/.vigil home/logs/${spec.name}.launcher.log`),
    VigilManaged: dict({ Home: str('/Users/me/.vigil home'), Service: str(spec.name), Hash: str(hash) }),
  });
}

test(
  'every rendered plist, read back by python3 plistlib, has exactly the expected keys, values and types',
  { skip: noPython(python) },
  () => {
    const units = SPECS.map((s) => renderPlist(s, ctx));
    const files = units.map((u, i) => {
      const f = path.join(tmp, `${i}-${path.basename(u.path)}`);
      writeFileSync(f, u.content);
      return f;
    });
    const parsed = plistlibLoad(python!, files);
    SPECS.forEach((spec, i) => {
      const got = parsed[i]!;
      const want = expected(spec, units[i]!.hash);
      assert.ok('dict' in got && 'dict' in want);
      // Key by key first (a clear message for the first difference), then the whole tree.
      assert.deepEqual(Object.keys(got.dict).sort(), Object.keys(want.dict).sort(), `${spec.name}: keys`);
      for (const key of Object.keys(want.dict))
        assert.deepEqual(got.dict[key], want.dict[key], `${spec.name}: ${key}`);
    });
    assert.equal(units[1]!.unit, 'com.example.vigil.core');
    assert.equal(units[1]!.path, '/Users/me/Library/LaunchAgents/com.example.vigil.core.plist');
    assert.equal(units[0]!.path, '/Users/me/Library/LaunchAgents/dev.vigil.proxy.plist');
  },
);

test('policy → KeepAlive, delaySec → ThrottleInterval (whole seconds, at least 1)', () => {
  assert.equal(keepAliveOf('always'), true);
  assert.deepEqual(keepAliveOf('on-failure'), { SuccessfulExit: false });
  assert.equal(keepAliveOf('no'), false);
  assert.deepEqual([0, 0.2, 1, 2.5, 10, 3600].map(throttleIntervalOf), [1, 1, 1, 3, 10, 3600]);
});

test('PATH: the program directory first, then Homebrew (both prefixes), then the system; absolute only', () => {
  assert.equal(
    servicePath('/Users/me/.venv/bin/python'),
    '/Users/me/.venv/bin:/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin:/usr/local/sbin:/usr/bin:/bin:/usr/sbin:/sbin',
  );
  assert.equal(
    servicePath('/usr/bin/python3')
      .split(':')
      .filter((d) => d === '/usr/bin').length,
    1,
  );
  const user = renderPlist(makeSpec('p', { env: { PATH: '/custom/bin' } }), ctx);
  assert.match(
    user.content,
    /<key>PATH<\/key>\s*<string>\/custom\/bin<\/string>/,
    "the manifest's own PATH wins",
  );
});

test('no secret reaches the plist: credential sets are paths for the launcher, never values', () => {
  const u = renderPlist(SPECS[0]!, ctx);
  assert.match(
    u.content,
    /--env-file<\/string>\s*<string>\/Users\/me\/\.vigil home\/credentials\/anthropic\.env<\/string>/,
  );
  const dictOut = parsePlistFile(Buffer.from(u.content))!;
  const env = dictOut.EnvironmentVariables as Record<string, string>;
  assert.deepEqual(Object.keys(env).sort(), ['LITELLM_LOG', 'ODD', 'PATH']);
});

test('drift: the hash covers the meaning; a changed value or key is drift, reformatting is not', () => {
  const u = renderPlist(SPECS[1]!, ctx);
  const d = parsePlistFile(Buffer.from(u.content))!;
  assert.equal(readMarkers(d).hash, u.hash);
  assert.equal(plistHash(d), u.hash, 'recomputed from the file = recorded');
  assert.equal(plistHash(parsePlistFile(buildBinary(d))!), u.hash, 'plutil -convert binary1 is not an edit');
  assert.notEqual(plistHash({ ...d, ThrottleInterval: 60 }), u.hash);
  assert.notEqual(plistHash({ ...d, Nice: 5 }), u.hash);
  assert.equal(renderPlist(SPECS[1]!, ctx).content, u.content, 'rendering is deterministic');
  assert.notEqual(renderPlist({ ...SPECS[1]!, env: { A: '1' } }, ctx).hash, u.hash);
  assert.equal(parsePlistFile(Buffer.from('not a plist')), null);
});

test('a value a plist cannot hold is refused with the service and the key named', () => {
  assert.throws(
    () => renderPlist(makeSpec('bad', { command: ['/bin/echo', 'bell\u0007'] }), ctx),
    (e: Error) => /LaunchAgent of bad: ProgramArguments\[\d+\] contains a control character/.test(e.message),
  );
});

test('backend selection: VIGIL_BACKEND wins, else the platform', () => {
  assert.equal(selectBackend({ VIGIL_BACKEND: 'launchd' }, 'linux'), 'launchd');
  assert.equal(selectBackend({}, 'darwin'), 'launchd');
  assert.equal(selectBackend({}, 'linux'), 'systemd');
  assert.throws(() => selectBackend({ VIGIL_BACKEND: 'upstart' }, 'linux'), /VIGIL_BACKEND/);
});

test("a stop waits the plist's own ExitTimeOut: scanInstalled reads it (launchd's 20 s when absent)", async () => {
  const { scanInstalled } = await import('../../agent/adapters/launchd/installed.js');
  const dir = mkdtempSync(path.join(tmp, 'agents-'));
  const here = { ...ctx, agentDir: dir };
  const slow = renderPlist(makeSpec('slow', { stopTimeoutSec: 120 }), here);
  const plain = renderPlist(makeSpec('plain', {}), here);
  writeFileSync(slow.path, slow.content);
  const { ExitTimeOut: _gone, ...withoutTimeout } = parsePlistFile(Buffer.from(plain.content))!;
  writeFileSync(plain.path, buildPlist(withoutTimeout));
  const found = await scanInstalled(dir, paths);
  assert.equal(found.get('slow')?.exitTimeOutSec, 125);
  assert.equal(found.get('plain')?.exitTimeOutSec, 20);
});
