import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  contentHash,
  exitHookCommand,
  launchCommand,
  readMarkers,
  renderUnit,
  serviceOfUnit,
  unitName,
} from '../../agent/adapters/systemd/unit-render.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { instanceSpec } from '../../agent/core/manifest/replicas.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { ensureUserManager } from '../helpers/systemd.js';

const run = promisify(execFile);
const paths = vigilPaths({ HOME: '/home/ada', VIGIL_HOME: '/home/ada/my vigil' });
const LAUNCHER = '/opt/vigil 1%/dist/bin/vigil-launch';
const ctx = { paths, launcher: LAUNCHER };

function spec(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'web',
    description: undefined,
    command: ['/bin/sh', '-c', 'exec sleep 1000'],
    cwd: undefined,
    env: {},
    credentials: ['web'],
    dependsOn: [],
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    health: undefined,
    metrics: undefined,
    limits: { memoryBytes: undefined, cpuPercent: undefined },
    ...over,
  };
}

const FULL = spec({
  description: 'Web API (100% uptime)',
  command: ['/bin/sh', '-m', 'http.server', '$PORT'],
  cwd: '/srv/web app',
  env: { PORT: '8080', GREETING: 'héllo "world" $USER 5%' },
  credentials: ['web', 'shared'],
  dependsOn: ['db', 'cache'],
  restart: { policy: 'on-failure', delaySec: 2.5, burst: 7, intervalSec: 120 },
  limits: { memoryBytes: 536870912, cpuPercent: 150 },
});

const HOOK = `ExecStopPost=-"/opt/vigil 1%%/dist/bin/vigil-launch" "--exit-hook" "/home/ada/my vigil/state/exits.log" "web" "/home/ada/my vigil/state/web.end"`;

test('renders the full unit for a full spec', () => {
  const u = renderUnit(FULL, ctx);
  assert.equal(u.service, 'web');
  assert.equal(u.unit, 'vigil-web.service');
  assert.equal(u.path, '/home/ada/.config/systemd/user/vigil-web.service');
  assert.match(u.hash, /^[0-9a-f]{16}$/);
  const expected = [
    '# Managed by Vigil. Hand edits are reported as drift and replaced by the next apply.',
    '[Unit]',
    'Description=Web API (100%% uptime)',
    'After=vigil-db.service',
    'After=vigil-cache.service',
    'Wants=vigil-db.service',
    'Wants=vigil-cache.service',
    'StartLimitIntervalSec=120',
    'StartLimitBurst=7',
    'X-Vigil-Home=/home/ada/my vigil',
    `X-Vigil-Hash=${u.hash}`,
    '',
    '[Service]',
    'Type=notify',
    'NotifyAccess=main',
    'ExecStart="/opt/vigil 1%%/dist/bin/vigil-launch" "--service" "web" "--log" "/home/ada/my vigil/logs/web.log" ' +
      '"--max-bytes" "10485760" "--keep" "5" "--stop-timeout" "35" "--exits" "/home/ada/my vigil/state/exits.log" "--end-file" "/home/ada/my vigil/state/web.end" "--" "/bin/sh" "-m" "http.server" "$$PORT"',
    'KillMode=mixed',
    'TimeoutStopSec=30',
    'Restart=on-failure',
    'RestartSec=2.5',
    'WorkingDirectory=/srv/web app',
    'Environment="GREETING=héllo \\"world\\" $USER 5%%"',
    'Environment="PORT=8080"',
    'EnvironmentFile=-/home/ada/my vigil/credentials/web.env',
    'EnvironmentFile=-/home/ada/my vigil/credentials/shared.env',
    'StandardOutput=append:/home/ada/my vigil/logs/web.launcher.log',
    'StandardError=append:/home/ada/my vigil/logs/web.launcher.log',
    'MemoryMax=536870912',
    'CPUQuota=150%',
    HOOK,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
  assert.equal(u.content, expected);
});

test('a minimal spec gets the default description and no optional lines', () => {
  const u = renderUnit(spec(), ctx);
  assert.match(u.content, /^Description=Vigil service web$/m);
  for (const key of ['After', 'Wants', 'WorkingDirectory', 'Environment', 'MemoryMax', 'CPUQuota']) {
    assert.doesNotMatch(u.content, new RegExp(`^${key}=`, 'm'), key);
  }
  assert.match(u.content, /^Restart=always$/m);
  assert.match(u.content, /^StartLimitBurst=5$/m);
});

test('the service runs under the launcher with the rotation settings of its spec', () => {
  const u = renderUnit(spec({ logs: { maxBytes: 65536, keep: 12 } }), ctx);
  const exec = /^ExecStart=(.*)$/m.exec(u.content)![1]!;
  assert.equal(
    exec,
    '"/opt/vigil 1%%/dist/bin/vigil-launch" "--service" "web" "--log" "/home/ada/my vigil/logs/web.log" ' +
      '"--max-bytes" "65536" "--keep" "12" "--stop-timeout" "35" "--exits" "/home/ada/my vigil/state/exits.log" "--end-file" "/home/ada/my vigil/state/web.end" "--" "/bin/sh" "-c" "exec sleep 1000"',
  );
  assert.deepEqual(launchCommand(spec({ logs: { maxBytes: 65536, keep: 0 } }), ctx).slice(5, 9), [
    '--max-bytes',
    '65536',
    '--keep',
    '0',
  ]);
  // Without settings (a spec not from the parser): the launcher's defaults, 10 MiB and 5 files.
  assert.deepEqual(launchCommand(spec(), ctx).slice(5, 9), ['--max-bytes', '10485760', '--keep', '5']);
  assert.notEqual(
    renderUnit(spec({ logs: { maxBytes: 65536, keep: 12 } }), ctx).hash,
    renderUnit(spec(), ctx).hash,
    'rotation settings are part of the hash',
  );
  assert.match(u.content, /^Type=notify$/m);
  assert.match(u.content, /^KillMode=mixed$/m);
  assert.doesNotMatch(
    u.content,
    /^Standard(Output|Error)=append:.*\/web\.log$/m,
    'systemd does not write the rotated log',
  );
});

test('a multi-line argument (an sh -c script) stays one ExecStart= line, its breaks written as C escapes', () => {
  const script = 'set -e\nfor x in "$@"; do\n  echo "$x" 100%\ndone\r\n';
  const u = renderUnit(spec({ command: ['/bin/sh', '-c', script] }), ctx);
  const lines = u.content.split('\n').filter((l) => l.startsWith('ExecStart='));
  assert.equal(lines.length, 1);
  assert.ok(
    lines[0]!.endsWith(
      '"--" "/bin/sh" "-c" "set -e\\nfor x in \\"$$@\\"; do\\n  echo \\"$$x\\" 100%%\\ndone\\r\\n"',
    ),
    lines[0],
  );
});

test("stopTimeoutSec is systemd's TimeoutStopSec=; the launcher escalates only a little later, as a backstop", () => {
  const u = renderUnit(spec({ stopTimeoutSec: 2 }), ctx);
  assert.match(u.content, /^TimeoutStopSec=2$/m);
  assert.deepEqual(launchCommand(spec({ stopTimeoutSec: 2 }), ctx).slice(9, 11), ['--stop-timeout', '7']);
  // A spec stored before the key existed: the default, 30 s.
  assert.match(renderUnit(spec(), ctx).content, /^TimeoutStopSec=30$/m);
  assert.notEqual(u.hash, renderUnit(spec(), ctx).hash, 'the stop timeout is part of the hash');
});

test('the exit hook is the launcher, given the journal path and service name as separate quoted words', () => {
  const hook = exitHookCommand('db', '/tmp/a b/$x/exits.log', LAUNCHER, '/tmp/a b/$x/db.end');
  assert.equal(
    hook,
    `-"/opt/vigil 1%%/dist/bin/vigil-launch" "--exit-hook" "/tmp/a b/$$x/exits.log" "db" "/tmp/a b/$$x/db.end"`,
  );
});

test('unit names map both ways; the agent unit is not a service', () => {
  assert.equal(unitName('api-2'), 'vigil-api-2.service');
  assert.equal(serviceOfUnit('vigil-api-2.service'), 'api-2');
  assert.equal(serviceOfUnit('vigil-agent.service'), null);
  assert.equal(serviceOfUnit('other.service'), null);
  assert.equal(serviceOfUnit('vigil-web.timer'), null);
});

test('the hash is stable, recorded in the file, and changes with the spec', () => {
  const a = renderUnit(FULL, ctx);
  const b = renderUnit(structuredClone(FULL), ctx);
  assert.equal(a.hash, b.hash);
  assert.equal(a.content, b.content);
  assert.equal(contentHash(a.content), a.hash);
  assert.deepEqual(readMarkers(a.content), { home: '/home/ada/my vigil', hash: a.hash });
  const c = renderUnit({ ...FULL, env: { ...FULL.env, PORT: '8081' } }, ctx);
  assert.notEqual(c.hash, a.hash);
  const other = renderUnit(FULL, {
    paths: vigilPaths({ HOME: '/home/ada', VIGIL_HOME: '/srv/v2' }),
    launcher: LAUNCHER,
  });
  assert.notEqual(other.hash, a.hash);
});

test('drift: an edited file no longer matches its recorded hash', () => {
  const u = renderUnit(FULL, ctx);
  const edited = u.content.replace('RestartSec=2.5', 'RestartSec=30');
  assert.notEqual(edited, u.content);
  assert.equal(readMarkers(edited).hash, u.hash);
  assert.notEqual(contentHash(edited), u.hash);
  const appended = `${u.content}# a comment\n`;
  assert.notEqual(contentHash(appended), u.hash);
  const noMarker = u.content.replace(/^X-Vigil-Hash=.*\n/m, '');
  assert.equal(readMarkers(noMarker).hash, null);
  assert.equal(contentHash(noMarker), u.hash, 'the hash covers everything but its own line');
});

test('values that cannot be written are refused', () => {
  for (const launcher of [
    'relative/vigil-launch',
    '/opt/"q"/vigil-launch',
    "/opt/it's/vigil-launch",
    '/opt/back\\slash/vigil-launch',
    '/opt/$HOME/vigil-launch',
    '/opt/tab\there/vigil-launch',
  ]) {
    assert.throws(() => renderUnit(spec(), { paths, launcher }), { code: 'E_SERVICE_MANAGER' }, launcher);
  }
  assert.throws(() => renderUnit(spec({ cwd: '/tmp/a\nb' }), ctx), { code: 'E_SERVICE_MANAGER' });
  assert.throws(() => renderUnit(spec({ command: ['/bin/x', 'a\0b'] }), ctx), {
    code: 'E_SERVICE_MANAGER',
  });
});

let tmp: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  env = await ensureUserManager();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'vigil-render-'));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function verify(content: string, name: string): Promise<{ code: number; stderr: string }> {
  const file = path.join(tmp, name);
  await writeFile(file, content);
  try {
    const r = await run('systemd-analyze', ['--user', 'verify', file], { env, cwd: tmp });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

test('systemd-analyze --user verify accepts every generated unit (exit 0, empty stderr)', async () => {
  const home = path.join(tmp, 'home 50% "q"');
  const p = vigilPaths({ HOME: tmp, VIGIL_HOME: home });
  // systemd-analyze checks that ExecStart's program exists: a real executable, at a path that needs quoting.
  const launcher = path.join(tmp, 'bin 5% x', 'vigil-launch');
  await mkdir(path.dirname(launcher), { recursive: true });
  await writeFile(launcher, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const specs = [
    FULL,
    spec(),
    spec({
      name: 'nasty',
      description: 'ends with a backslash \\',
      command: [
        '/bin/sh',
        '-c',
        'printf "%s\\n" "$@"',
        'sh',
        'a b',
        'q"uote',
        '$HOME',
        ';',
        '%n',
        'back\\slash',
        'héllo ✓',
        'tab\t',
        'two\nlines\r\n',
      ],
      cwd: tmp,
      env: { A: '$HOME %n "q" \\', B: 'héllo ✓' },
      credentials: ['nasty', 'glob*[x]?'],
      restart: { policy: 'no', delaySec: 0, burst: 1, intervalSec: 0 },
      limits: { memoryBytes: 1024 * 1024 * 64, cpuPercent: 12.345 },
    }),
    // An instance of a replicated service: the template unit, with %i where {replica} is.
    instanceSpec(
      {
        ...spec({
          name: 'rep',
          command: ['/bin/sh', '-c', 'echo $0 $1', '--port=90{replica}', '50%'],
          env: { P: '{replica}%' },
        }),
        replicas: 2,
      },
      2,
    ),
  ];
  for (const s of specs) {
    const u = renderUnit(s, { paths: p, launcher });
    const r = await verify(u.content, u.unit);
    assert.deepEqual(r, { code: 0, stderr: '' }, u.content);
  }
});

test('the verify check itself catches a bad unit (control)', async () => {
  const u = renderUnit(spec({ name: 'bad' }), ctx);
  const r = await verify(u.content.replace('RestartSec=1', 'RestartSec=soon'), 'vigil-bad.service');
  assert.match(r.stderr, /RestartSec|soon/);
});
