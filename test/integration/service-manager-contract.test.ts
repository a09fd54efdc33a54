/**
 * The contract every ServiceManager keeps, run against the REAL service manager of this machine:
 * systemd (a user manager) on Linux, launchd on macOS — or the one VIGIL_BACKEND names. Same steps, same
 * assertions: install (through the apply use case), status, kill → restart seen, crash loop (through the
 * supervisor: events and state), change → only it restarts, drift, remove. `npm test` runs it on systemd;
 * .github/workflows/macos.yml runs it with VIGIL_BACKEND=launchd on a Mac.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { selectBackend } from '../../agent/daemon/compose.js';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import { computePlan, executePlan } from '../../agent/app/apply.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';
import { systemClock } from '../../agent/adapters/clock/system-clock.js';
import { NodeProcessRunner } from '../../agent/adapters/process/node-runner.js';
import { SystemdManager } from '../../agent/adapters/systemd/systemd-manager.js';
import { LaunchdManager } from '../../agent/adapters/launchd/launchd-manager.js';
import { launcherPath } from '../../agent/adapters/launcher/contract.js';
import { parsePlistFile, buildPlist } from '../../agent/adapters/launchd/plist-render.js';
import { parsePs, processTree, PS_ARGS } from '../../agent/adapters/launchd/process-table.js';
import { vigilPaths, type VigilPaths } from '../../agent/core/paths.js';
import type { Manifest, ServiceSpec } from '../../agent/core/manifest/model.js';
import type { ObservedStatus, ServiceManager } from '../../agent/ports/service-manager.js';
import { ensureUserManager, uniquePrefix } from '../helpers/systemd.js';
import { makeSpec } from '../helpers/launchd.js';
import { ROOT, waitFor } from '../helpers/vigil.js';

const BACKEND = selectBackend(process.env);
const WAIT = 45_000;

let tmp: string;
let paths: VigilPaths;
let manager: ServiceManager;
let store: SqliteStore;
let journal: FileExitJournal;
let A: string;
let B: string;
let BOOM: string;
let NEVER: string;
let W: string;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-contract-'));
  const p = uniquePrefix();
  [A, B, BOOM, NEVER, W] = [`${p}-a`, `${p}-b`, `${p}-boom`, `${p}-never`, `${p}-w`];
  if (BACKEND === 'systemd') {
    const env = await ensureUserManager();
    paths = vigilPaths({
      HOME: env.HOME,
      XDG_CONFIG_HOME: env.XDG_CONFIG_HOME,
      VIGIL_HOME: path.join(tmp, 'vh'),
    });
    manager = new SystemdManager({ runner: new NodeProcessRunner(env), paths, env });
  } else {
    const launcher = launcherPath(process.env);
    if (!existsSync(launcher))
      execFileSync('bash', [path.join(ROOT, 'scripts', 'build-launcher.sh')], { stdio: 'inherit' });
    paths = vigilPaths({ HOME: process.env.HOME, VIGIL_HOME: path.join(tmp, 'vh') });
    manager = new LaunchdManager({
      runner: new NodeProcessRunner(process.env),
      paths,
      launcher,
      env: process.env,
    });
  }
  store = SqliteStore.open(paths.db);
  journal = new FileExitJournal(paths.exits);
});

after(async () => {
  const replicas = [1, 2, 3].map((i) => `${W}@${i}`);
  await manager
    .remove([A, B, BOOM, ...replicas])
    .catch((err: unknown) => console.error('cleanup failed:', err));
  store?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const sleeper = (name: string, env: Record<string, string> = {}): ServiceSpec =>
  makeSpec(name, {
    command: ['/bin/sh', '-c', 'echo "up $MARK"; exec sleep 1000'],
    env: { MARK: name, ...env },
    restart: { policy: 'always', delaySec: 0.2, burst: 5, intervalSec: 60 },
  });
const boom = (): ServiceSpec =>
  makeSpec(BOOM, {
    command: ['/bin/sh', '-c', 'echo boom; exit 3'],
    restart: { policy: 'always', delaySec: 0, burst: 3, intervalSec: 60 },
  });
const manifest = (...services: ServiceSpec[]): Manifest => ({
  file: path.join(tmp, 'vigil.yaml'),
  version: 1,
  services,
});
const apply = async (m: Manifest) => {
  const deps = { manager, store, clock: systemClock };
  const plan = await computePlan(deps, m, false);
  await executePlan(deps, plan);
  return plan;
};
const one = async (s: string): Promise<ObservedStatus> => (await manager.status([s]))[0]!;
const running = (s: string, not?: number | null) =>
  waitFor(
    `${s} running`,
    async () => {
      const o = await one(s);
      return o.active === 'active' && o.pid !== null && o.pid !== not && o;
    },
    WAIT,
    100,
  );
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The service's own process: the leaf of the job's tree (the job's pid is Vigil's launcher on launchd). */
const leaf = (pid: number): number => {
  const table = parsePs(
    execFileSync('ps', [...PS_ARGS], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }),
  );
  const tree = processTree(table, pid);
  return tree.find((p) => !tree.some((c) => c.ppid === p.pid))?.pid ?? pid;
};

test(`[${BACKEND}] install: apply installs and starts both services; they are listed, not drifted`, async () => {
  const plan = await apply(manifest(sleeper(A), sleeper(B)));
  assert.deepEqual(plan.create.map((u) => u.service).sort(), [A, B].sort());
  const [a, b] = [await running(A), await running(B)];
  assert.notEqual(a.pid, b.pid);
  const installed = await manager.listInstalled();
  assert.deepEqual(
    installed.map((u) => [u.service, u.drifted]).sort(),
    [
      [A, false],
      [B, false],
    ].sort(),
  );
  assert.equal(installed.find((u) => u.service === A)!.unit, manager.render(sleeper(A)).unit);
  await waitFor(
    'log line',
    () =>
      existsSync(path.join(paths.logs, `${A}.log`)) &&
      readFileSync(path.join(paths.logs, `${A}.log`), 'utf8').includes(`up ${A}`),
    WAIT,
  );
});

test(`[${BACKEND}] status: one batched call, in the order asked; unknown services are not loaded`, async () => {
  const all = await manager.status([B, NEVER, A]);
  assert.deepEqual(
    all.map((s) => [s.service, s.loaded, s.active]),
    [
      [B, true, 'active'],
      [NEVER, false, 'inactive'],
      [A, true, 'active'],
    ],
  );
  assert.equal(all[1]!.pid, null);
  assert.ok(all[0]!.memoryBytes === null || all[0]!.memoryBytes > 0);
});

test(`[${BACKEND}] kill -9 of the service: the manager restarts it, the exit journal says SIGKILL`, async () => {
  const before = await running(A);
  process.kill(leaf(before.pid!), 'SIGKILL');
  const after = await running(A, before.pid);
  assert.ok(after.restarts > before.restarts, `restarts ${before.restarts} → ${after.restarts}`);
  const rec = await waitFor(
    'exit record',
    async () => (await journal.readSince(0)).records.find((r) => r.service === A && r.how === 'killed'),
    WAIT,
  );
  assert.deepEqual([rec.result, rec.signal, rec.code], ['signal', 'SIGKILL', null]);
});

test(`[${BACKEND}] crash loop: a service exiting 3 is restarted, and the supervisor reports a crash loop`, async () => {
  await apply(manifest(sleeper(A), sleeper(B), boom()));
  const supervisor = new Supervisor({
    manager,
    store,
    journal,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    readLogTail: async () => [],
  });
  const events = await waitFor(
    'crashloop event',
    async () => {
      await supervisor.tick();
      const evs = store.queryEvents({ service: BOOM, limit: 100 });
      return evs.some((e) => e.type === 'crashloop') && evs;
    },
    WAIT,
    300,
  );
  const crashes = events.filter((e) => e.type === 'crashed');
  assert.ok(crashes.length >= 3, `${crashes.length} crashed events`);
  for (const c of crashes) assert.deepEqual([c.exit?.code, c.exit?.reason], [3, 'exited with code 3']);
  const st = supervisor.currentStatus().services.find((s) => s.name === BOOM)!;
  assert.equal(st.state, 'crashloop');
  assert.equal(st.lastExit?.code, 3);
  const records = (await journal.readSince(0)).records.filter((r) => r.service === BOOM);
  assert.ok(records.length >= 3 && records.every((r) => r.how === 'exited' && r.code === 3));
  assert.match(readFileSync(path.join(paths.logs, `${BOOM}.log`), 'utf8'), /^(boom\n){3,}/);
});

test(`[${BACKEND}] change one service: only it is rewritten and restarted; the other keeps its pid`, async () => {
  const [a, b] = [await running(A), await running(B)];
  const plan = await apply(manifest(sleeper(A, { LEVEL: 'debug' }), sleeper(B), boom()));
  assert.deepEqual(
    plan.update.map((u) => u.desired.service),
    [A],
  );
  const a2 = await running(A, a.pid);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await one(B)).pid, b.pid, 'B untouched');
  assert.notEqual(a2.pid, a.pid);
  await waitFor(
    'new env in the log',
    () =>
      readFileSync(path.join(paths.logs, `${A}.log`), 'utf8')
        .split('\n')
        .filter((l) => l === `up ${A}`).length >= 2,
    WAIT,
  );
});

test(`[${BACKEND}] a unit edited by hand is drift, and the next apply restores it`, async () => {
  const u = (await manager.listInstalled()).find((x) => x.service === B)!;
  if (BACKEND === 'launchd')
    writeFileSync(u.path, buildPlist({ ...parsePlistFile(readFileSync(u.path))!, ThrottleInterval: 99 }));
  else writeFileSync(u.path, `${readFileSync(u.path, 'utf8')}# edited by hand\n`);
  assert.equal((await manager.listInstalled()).find((x) => x.service === B)!.drifted, true);
  const plan = await apply(manifest(sleeper(A, { LEVEL: 'debug' }), sleeper(B), boom()));
  assert.deepEqual(
    plan.update.map((x) => [x.desired.service, x.reason]),
    [[B, 'drifted']],
  );
  assert.equal((await manager.listInstalled()).find((x) => x.service === B)!.drifted, false);
  await running(B);
});

test(`[${BACKEND}] remove: stopped, uninstalled, processes gone`, async () => {
  const pids = await Promise.all([A, B].map(async (s) => (await running(s)).pid!));
  const leaves = pids.map(leaf);
  await manager.remove([A, B, BOOM]);
  assert.deepEqual(
    (await manager.listInstalled()).map((u) => u.service),
    [],
  );
  const after = await manager.status([A, B, BOOM]);
  assert.deepEqual(
    after.map((o) => [o.service, o.loaded, o.pid]),
    [A, B, BOOM].map((s) => [s, false, null]),
  );
  await waitFor('processes gone', () => [...pids, ...leaves].every((p) => !alive(p)), WAIT);
});

test(`[${BACKEND}] replicas: 3 instances with their own pid and {replica}; down to 1 keeps the first, removes the rest`, async () => {
  const w = (replicas: number): ServiceSpec => ({
    ...makeSpec(W, {
      command: ['/bin/sh', '-c', 'echo "up $VIGIL_REPLICA $1"; exec sleep 1000', 'sh', 'arg{replica}'],
      restart: { policy: 'always', delaySec: 0.2, burst: 5, intervalSec: 60 },
    }),
    replicas,
  });
  const names = [1, 2, 3].map((i) => `${W}@${i}`);
  const plan = await apply(manifest(w(3)));
  assert.deepEqual(
    plan.create.map((u) => u.service),
    names,
  );
  const pids = await Promise.all(names.map(async (s) => (await running(s)).pid!));
  assert.equal(new Set(pids).size, 3);
  assert.deepEqual(
    (await manager.listInstalled()).map((u) => [u.service, u.drifted]),
    names.map((s) => [s, false]),
  );
  for (const [i, s] of names.entries())
    await waitFor(
      `${s} log`,
      () =>
        existsSync(path.join(paths.logs, `${s}.log`)) &&
        readFileSync(path.join(paths.logs, `${s}.log`), 'utf8').includes(`up ${i + 1} arg${i + 1}`),
      WAIT,
    );
  const down = await apply(manifest(w(1)));
  assert.deepEqual(
    down.remove.map((u) => u.service),
    names.slice(1),
  );
  assert.deepEqual(
    down.unchanged.map((u) => u.service),
    [names[0]],
  );
  assert.equal((await one(names[0]!)).pid, pids[0], 'the kept instance was not restarted');
  assert.deepEqual(
    (await manager.status(names.slice(1))).map((o) => o.active === 'active'),
    [false, false],
  );
  await manager.remove([names[0]!]);
  assert.deepEqual(
    (await manager.listInstalled()).map((u) => u.service),
    [],
  );
});
