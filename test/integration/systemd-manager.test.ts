/**
 * SystemdManager against the real systemd user manager. Units go to the default ~/.config/systemd/user
 * (systemd only loads units from its search path) under unique names; VIGIL_HOME is a temp dir.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SystemdManager } from '../../agent/adapters/systemd/systemd-manager.js';
import { renderUnit } from '../../agent/adapters/systemd/unit-render.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';
import { NodeProcessRunner } from '../../agent/adapters/process/node-runner.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { vigilPaths, type VigilPaths } from '../../agent/core/paths.js';
import type { ExitRecord } from '../../agent/ports/exit-journal.js';
import type { ObservedStatus } from '../../agent/ports/service-manager.js';
import type { ProcessRunner } from '../../agent/ports/process-runner.js';
import { ensureUserManager, uniquePrefix } from '../helpers/systemd.js';

const ARGS = [
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
];

let env: NodeJS.ProcessEnv;
let tmp: string;
let work: string;
let paths: VigilPaths;
let manager: SystemdManager;
let journal: FileExitJournal;
let args: string;
let boom: string;
let never: string;
let otherUnitPath: string;
/** Every systemctl invocation, for asserting how many calls an operation makes. */
const calls: string[][] = [];

function spec(name: string, over: Partial<ServiceSpec>): ServiceSpec {
  return {
    name,
    description: `vigil test ${name}`,
    command: ['/bin/sleep', '1000'],
    cwd: undefined,
    env: {},
    credentials: [name],
    dependsOn: [],
    restart: { policy: 'always', delaySec: 0.2, burst: 5, intervalSec: 60 },
    health: undefined,
    metrics: undefined,
    limits: { memoryBytes: undefined, cpuPercent: undefined },
    ...over,
  };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function one(service: string): Promise<ObservedStatus> {
  const [s] = await manager.status([service]);
  return s!;
}

async function exitsOf(service: string): Promise<ExitRecord[]> {
  return (await journal.readSince(0)).records.filter((r) => r.service === service);
}

before(async () => {
  env = await ensureUserManager();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'vigil-sd-'));
  work = path.join(tmp, 'work dir %');
  await mkdir(work);
  const home = path.join(tmp, 'vigil home');
  paths = vigilPaths({ HOME: env.HOME, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, VIGIL_HOME: home });
  const real = new NodeProcessRunner(env);
  const runner: ProcessRunner = {
    run: (command, argv, options) => {
      calls.push([command, ...argv]);
      return real.run(command, argv, options);
    },
  };
  manager = new SystemdManager({ runner, paths, env });
  journal = new FileExitJournal(paths.exits);
  const prefix = uniquePrefix();
  [args, boom, never] = [`${prefix}-args`, `${prefix}-boom`, `${prefix}-never`];
  otherUnitPath = path.join(paths.systemdUnitDir, `vigil-${prefix}-other.service`);
});

after(async () => {
  await manager.remove([args, boom]).catch((err: unknown) => console.error('cleanup failed:', err));
  await rm(otherUnitPath, { force: true });
  await rm(tmp, { recursive: true, force: true });
});

test("write installs the unit files, creates the directories and lists only this home's units", async () => {
  const units = [
    manager.render(
      spec(args, {
        command: ['/bin/sh', '-c', 'printf "%s\\n" "$@" > out; exec sleep 1000', 'sh', ...ARGS],
        cwd: work,
      }),
    ),
    manager.render(
      spec(boom, {
        command: ['/bin/sh', '-c', 'echo boom; exit 3'],
        restart: { policy: 'always', delaySec: 0, burst: 3, intervalSec: 60 },
      }),
    ),
  ];
  await manager.write(units);
  for (const u of units) assert.equal(await readFile(u.path, 'utf8'), u.content);
  assert.equal((await stat(paths.credentials)).mode & 0o777, 0o700);
  assert.ok((await stat(path.dirname(paths.exits))).isDirectory());
  assert.ok((await stat(paths.logs)).isDirectory());

  const foreign = renderUnit(spec('other', {}), {
    paths: vigilPaths({ HOME: tmp, VIGIL_HOME: '/elsewhere' }),
    launcher: '/bin/true',
  });
  await writeFile(otherUnitPath, foreign.content);

  const installed = await manager.listInstalled();
  assert.deepEqual(
    installed.map((i) => [i.service, i.drifted, i.recordedHash === i.actualHash]),
    [args, boom].sort().map((s) => [s, false, true]),
  );
  assert.equal((await one(args)).loaded, true, 'daemon-reload made systemd see the unit');
});

test('enableAndStart: every argument reaches the process byte for byte', async () => {
  await manager.enableAndStart([args]);
  const s = await waitFor('args running', async () => {
    const st = await one(args);
    return st.active === 'active' && st.sub === 'running' && st.pid !== null && st;
  });
  assert.equal(s.restarts, 0);
  const out = path.join(work, 'out');
  const got = await waitFor('out file', async () => {
    const b = await readFile(out).catch(() => null);
    return b && b.length > 0 && b;
  });
  assert.deepEqual(got, Buffer.from(ARGS.map((a) => `${a}\n`).join(''), 'utf8'));
});

test('kill -9 of the main process: systemd restarts it and the exit journal records the signal', async () => {
  const before = await one(args);
  assert.ok(before.pid);
  process.kill(before.pid, 'SIGKILL');
  const after = await waitFor('restart after kill', async () => {
    const st = await one(args);
    return st.sub === 'running' && st.pid !== null && st.pid !== before.pid && st;
  });
  assert.equal(after.restarts, before.restarts + 1);
  const killed = await waitFor('journal record', async () =>
    (await exitsOf(args)).find((r) => r.how === 'killed'),
  );
  assert.equal(killed.result, 'signal');
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(killed.code, null);
  assert.ok(Math.abs(killed.at - Date.now()) < 60_000, 'timestamp is now-ish');
});

test('a unit that exits 3 fails after its burst; the journal and the log file show why', async () => {
  await manager.enableAndStart([boom]);
  const s = await waitFor('boom failed', async () => {
    const st = await one(boom);
    return st.active === 'failed' && st;
  });
  assert.equal(s.result, 'exit-code');
  assert.deepEqual(s.lastExit, { code: 3, signal: null });
  assert.equal(s.pid, null);
  const records = await exitsOf(boom);
  assert.equal(records.length, 3, 'burst 3: three runs');
  for (const r of records)
    assert.deepEqual([r.result, r.how, r.code, r.signal], ['exit-code', 'exited', 3, null]);
  const log = await readFile(path.join(paths.logs, `${boom}.log`), 'utf8');
  assert.equal(log, 'boom\nboom\nboom\n');
});

test('start resets the start limit so a failed unit runs again', async () => {
  await manager.start([boom]);
  await waitFor('three more runs', async () => (await exitsOf(boom)).length === 6);
  await waitFor('boom failed again', async () => (await one(boom)).active === 'failed');
});

test('status: one batched call, in the order asked; a never-installed service is not loaded', async () => {
  calls.length = 0;
  const all = await manager.status([args, never, boom]);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]!.slice(0, 5), [
    'systemctl',
    '--user',
    'show',
    '-p',
    'Id,LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainCode,ExecMainStatus,Result,StateChangeTimestamp,MemoryCurrent,CPUUsageNSec,StatusText',
  ]);
  assert.deepEqual(
    all.map((s) => [s.service, s.unit, s.loaded]),
    [
      [args, `vigil-${args}.service`, true],
      [never, `vigil-${never}.service`, false],
      [boom, `vigil-${boom}.service`, true],
    ],
  );
  assert.equal(all[1]!.pid, null);
  assert.ok(all[0]!.since !== null && Math.abs(all[0]!.since - Date.now()) < 60_000);
  assert.deepEqual(await manager.status([]), []);
  assert.equal(calls.length, 1, 'an empty list makes no call');
});

test('listInstalled reports drift after a hand edit', async () => {
  await appendFile(path.join(paths.systemdUnitDir, `vigil-${args}.service`), '# edited by hand\n');
  const installed = await manager.listInstalled();
  const byName = new Map(installed.map((i) => [i.service, i]));
  assert.equal(byName.get(args)?.drifted, true);
  assert.notEqual(byName.get(args)?.actualHash, byName.get(args)?.recordedHash);
  assert.equal(byName.get(boom)?.drifted, false);
});

test('restart gives a new process; stop stops it', async () => {
  const before = await one(args);
  await manager.restart([args]);
  const after = await waitFor('restarted', async () => {
    const st = await one(args);
    return st.sub === 'running' && st.pid !== null && st.pid !== before.pid && st;
  });
  assert.ok(after.pid);
  await manager.stop([args]);
  const stopped = await one(args);
  assert.equal(stopped.active, 'inactive');
  assert.equal(stopped.pid, null);
  const last = (await exitsOf(args)).at(-1);
  assert.deepEqual([last?.result, last?.how, last?.signal], ['success', 'killed', 'SIGTERM']);
});

test('errors name the unit and what systemctl said', async () => {
  await assert.rejects(manager.stop([never]), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'E_SERVICE_MANAGER');
    assert.match(err.message, new RegExp(`vigil-${never}\\.service`));
    assert.match(err.message, /not loaded/);
    return true;
  });
  const noBus = {
    ...env,
    XDG_RUNTIME_DIR: path.join(tmp, 'no-runtime'),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${tmp}/no-bus`,
  };
  const cut = new SystemdManager({ runner: new NodeProcessRunner(noBus), paths, env: noBus });
  await assert.rejects(cut.status([args]), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'E_SERVICE_MANAGER');
    assert.match(err.message, /cannot reach the systemd user manager/);
    assert.match(err.message, /loginctl enable-linger/);
    assert.match(err.message, /XDG_RUNTIME_DIR/);
    return true;
  });
});

test('remove disables, stops and deletes the units; a second remove is harmless', async () => {
  await manager.remove([args, boom]);
  for (const s of [args, boom]) {
    await assert.rejects(stat(path.join(paths.systemdUnitDir, `vigil-${s}.service`)), { code: 'ENOENT' });
    await assert.rejects(
      stat(path.join(paths.systemdUnitDir, 'default.target.wants', `vigil-${s}.service`)),
      {
        code: 'ENOENT',
      },
    );
  }
  const after = await manager.status([args, boom]);
  assert.deepEqual(
    after.map((s) => [s.loaded, s.active]),
    [
      [false, 'inactive'],
      [false, 'inactive'],
    ],
  );
  assert.deepEqual(await manager.listInstalled(), []);
  await manager.remove([args, boom]);
});
