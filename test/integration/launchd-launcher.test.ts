/**
 * The launchd backend's process side, run for real on Linux: a rendered LaunchAgent plist is read back
 * with python3's plistlib and its ProgramArguments are executed the way launchd does (execvp of argv[0]
 * with exactly EnvironmentVariables, WorkingDirectory, stdout/stderr to StandardOut/ErrorPath), through the
 * real launcher (dist/bin/vigil-launch): credential sets loaded from the 0600 files, never from the plist;
 * output in the service log; an unsafe credential file refused; every exit in the exit journal.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vigilPaths, type VigilPaths } from '../../agent/core/paths.js';
import { renderPlist } from '../../agent/adapters/launchd/plist-render.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';
import { noPython, findPython, makeSpec, plistlibLoad, type Typed } from '../helpers/launchd.js';
import { BIN, ROOT, run } from '../helpers/vigil.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';

const LAUNCHER = path.join(ROOT, 'dist', 'bin', 'vigil-launch');
const SECRET = 'sk-canary-7f3a9c1e5b';
const python = findPython();
let tmp: string;
let paths: VigilPaths;

before(() => {
  if (!existsSync(LAUNCHER))
    execFileSync('bash', [path.join(ROOT, 'scripts', 'build-launcher.sh')], { stdio: 'inherit' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-launchd-run-'));
  paths = vigilPaths({ HOME: tmp, VIGIL_HOME: path.join(tmp, 'vigil home') });
  mkdirSync(paths.credentials, { recursive: true, mode: 0o700 });
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(path.dirname(paths.exits), { recursive: true });
  writeFileSync(path.join(paths.credentials, 'anthropic.env'), `# provider key\nAPI_KEY="${SECRET}"\n`, {
    mode: 0o600,
  });
  writeFileSync(path.join(paths.credentials, 'extra.env'), "OTHER='two words'\n", { mode: 0o600 });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const un = (t: Typed | undefined): unknown => {
  if (t === undefined) return undefined;
  if ('dict' in t) return Object.fromEntries(Object.entries(t.dict).map(([k, v]) => [k, un(v)]));
  if ('array' in t) return t.array.map(un);
  return Object.values(t)[0];
};

interface Launched {
  code: number | null;
  signal: NodeJS.Signals | null;
  plist: string;
}

/** Renders the plist, reads it back with plistlib, and runs it as launchd would; `during` acts on the child. */
async function launchLikeLaunchd(
  spec: ServiceSpec,
  during?: (pid: number) => Promise<void>,
): Promise<Launched> {
  const unit = renderPlist(spec, { paths, agentDir: path.join(tmp, 'LaunchAgents'), launcher: LAUNCHER });
  const file = path.join(tmp, `${unit.unit}.plist`);
  writeFileSync(file, unit.content);
  const job = un(plistlibLoad(python!, [file])[0]) as {
    ProgramArguments: string[];
    EnvironmentVariables: Record<string, string>;
    WorkingDirectory?: string;
    StandardOutPath: string;
    StandardErrorPath: string;
  };
  const out = openSync(job.StandardOutPath, 'a');
  const err = openSync(job.StandardErrorPath, 'a');
  const child = spawn(job.ProgramArguments[0]!, job.ProgramArguments.slice(1), {
    env: { ...job.EnvironmentVariables, HOME: tmp },
    ...(job.WorkingDirectory ? { cwd: job.WorkingDirectory } : {}),
    stdio: ['ignore', out, err],
  });
  closeSync(out);
  closeSync(err);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  if (during) await during(child.pid!);
  return { ...(await done), plist: unit.content };
}

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
const journal = async (service: string) =>
  (await new FileExitJournal(paths.exits).readSince(0)).records.filter((r) => r.service === service);

test(
  'credentials come from the 0600 files in the plist order; output goes to the service log; the exit is journaled',
  { skip: noPython(python) },
  async () => {
    const work = path.join(tmp, 'work dir');
    mkdirSync(work);
    const spec = makeSpec('creds', {
      command: [
        '/bin/sh',
        '-c',
        'echo "key=$API_KEY other=$OTHER level=$LEVEL cwd=$(pwd)"; echo "path=$PATH"; echo to-stderr >&2; exit 3',
      ],
      env: { LEVEL: 'info' },
      cwd: work,
      credentials: ['anthropic', 'extra', 'absent'],
    });
    const r = await launchLikeLaunchd(spec);
    assert.deepEqual([r.code, r.signal], [3, null], 'launchd sees the service exit code');
    assert.equal(r.plist.includes(SECRET), false, 'the secret is not in the plist');
    const log = read(path.join(paths.logs, 'creds.log'));
    assert.match(log, new RegExp(`^key=${SECRET} other=two words level=info cwd=${work}$`, 'm'));
    assert.match(
      log,
      /^path=\/bin:\/opt\/homebrew\/bin:.*:\/usr\/bin:\/usr\/sbin:\/sbin$/m,
      'PATH from the plist, program directory first',
    );
    assert.match(log, /^to-stderr$/m, 'stderr is in the same log');
    assert.equal(read(path.join(paths.logs, 'creds.launcher.log')), '', 'the launcher had nothing to say');
    const recs = await journal('creds');
    assert.deepEqual(
      recs.map((x) => [x.result, x.how, x.code]),
      [['exit-code', 'exited', 3]],
    );
  },
);

test(
  'a group/world-readable credential file is refused: exit 78, the path and the fix said, the value never',
  { skip: noPython(python) },
  async () => {
    writeFileSync(path.join(paths.credentials, 'loose.env'), `TOKEN=${SECRET}\n`);
    chmodSync(path.join(paths.credentials, 'loose.env'), 0o644);
    const r = await launchLikeLaunchd(
      makeSpec('loose', { command: ['/bin/sh', '-c', 'echo should-not-run'], credentials: ['loose'] }),
    );
    assert.equal(r.code, 78, 'EX_CONFIG: launchd shows "last exit code = 78: EX_CONFIG"');
    const said = read(path.join(paths.logs, 'loose.launcher.log'));
    assert.match(said, /loose\.env/);
    assert.match(said, /chmod 600|0600|600/);
    const log = read(path.join(paths.logs, 'loose.log'));
    assert.doesNotMatch(log, /should-not-run/);
    for (const text of [said, log, r.plist]) assert.equal(text.includes(SECRET), false);
  },
);

test(
  'stopped by launchd (SIGTERM to the launcher): forwarded, recorded as success, the launcher dies of SIGTERM',
  { skip: noPython(python) },
  async () => {
    const r = await launchLikeLaunchd(
      makeSpec('term', { command: ['/bin/sh', '-c', 'echo up; exec sleep 1000'] }),
      async (pid) => {
        const deadline = Date.now() + 10_000;
        while (!read(path.join(paths.logs, 'term.log')).includes('up') && Date.now() < deadline)
          await new Promise((res) => setTimeout(res, 20));
        process.kill(pid, 'SIGTERM');
      },
    );
    assert.deepEqual([r.code, r.signal], [null, 'SIGTERM']);
    assert.deepEqual(
      (await journal('term')).map((x) => [x.result, x.how, x.signal]),
      [['success', 'killed', 'SIGTERM']],
    );
  },
);

test(
  'the service killed by SIGKILL: recorded as a signal death, and launchd sees the same signal',
  { skip: noPython(python) },
  async () => {
    const r = await launchLikeLaunchd(
      makeSpec('kill9', { command: ['/bin/sh', '-c', 'echo up; exec sleep 1000'] }),
      async (pid) => {
        const deadline = Date.now() + 10_000;
        let child: number | null = null;
        while (child === null && Date.now() < deadline) {
          const kids = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
            .split('\n')
            .map((l) => l.trim().split(/\s+/).map(Number))
            .filter(([, ppid]) => ppid === pid);
          child = kids[0]?.[0] ?? null;
          if (child === null) await new Promise((res) => setTimeout(res, 20));
        }
        while (!read(path.join(paths.logs, 'kill9.log')).includes('up') && Date.now() < deadline)
          await new Promise((res) => setTimeout(res, 20));
        process.kill(child!, 'SIGKILL');
      },
    );
    assert.deepEqual([r.code, r.signal], [null, 'SIGKILL']);
    assert.deepEqual(
      (await journal('kill9')).map((x) => [x.result, x.how, x.signal]),
      [['signal', 'killed', 'SIGKILL']],
    );
  },
);

test(
  '`vigil render --backend launchd` writes plists on Linux that plistlib reads; launchd commands say they need macOS',
  { skip: noPython(python) },
  async () => {
    const dir = path.join(tmp, 'render');
    const manifest = path.join(tmp, 'vigil.yaml');
    writeFileSync(
      manifest,
      'launchd: { labelPrefix: com.example.agent }\nservices:\n  web:\n    command: [/bin/sleep, "1000"]\n    restart: { policy: on-failure, delaySec: 5 }\n',
    );
    const env = { ...process.env, HOME: tmp, VIGIL_HOME: paths.home };
    const r = await run(
      process.execPath,
      [BIN, 'render', '-f', manifest, '--backend', 'launchd', '--out', dir, '--json'],
      env,
      {},
    );
    assert.equal(r.code, 0, r.stderr);
    const { files } = JSON.parse(r.stdout) as { files: string[] };
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      ['com.example.agent.web.plist'],
    );
    const job = un(plistlibLoad(python!, files)[0]) as Record<string, unknown>;
    assert.deepEqual(
      [job.Label, job.KeepAlive, job.ThrottleInterval],
      ['com.example.agent.web', { SuccessfulExit: false }, 5],
    );
    // doctor with the launchd backend on Linux: the macOS checks run, and say launchctl is missing.
    const doctor = await run(
      process.execPath,
      [BIN, 'doctor', '--json'],
      { ...env, VIGIL_BACKEND: 'launchd' },
      {},
    );
    assert.equal(doctor.code, 1, doctor.stderr);
    const { checks } = JSON.parse(doctor.stdout) as {
      checks: Array<{ name: string; level: string; message: string }>;
    };
    const by = new Map(checks.map((c) => [c.name, c]));
    assert.equal(by.get('launchd session')?.level, 'fail');
    assert.match(by.get('launchd session')!.message, /launchd backend works on macOS only/);
    assert.equal(by.get('launcher')?.level, 'ok');
    assert.ok(by.has('PATH') && by.has('login at boot'));
    assert.equal(by.has('systemd user manager'), false);
  },
);
