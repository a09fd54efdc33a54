/**
 * Security: Vigil's folders and files are private, for real — umask 000, a second local user created for
 * the test (useradd -m vigil-sec-<rand>, removed after), services restarted under the real systemd user
 * manager. The attacks are the ones of issue 14: another user's 0666 file or a link to a root-owned 0600
 * victim in place of logs/<svc>.log, a fake line in state/exits.log. Needs root and useradd; skipped,
 * saying why, otherwise.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, ROOT, makeHome, run, sleep, startAgent, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';

const LAUNCHER = path.join(ROOT, 'dist', 'bin', 'vigil-launch');
const mode = (p: string) => (lstatSync(p).mode & 0o7777).toString(8);

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root: creating a second local user needs root';
  if (spawnSync('useradd', ['--help']).error) return 'useradd is missing';
  if (spawnSync('runuser', ['--help']).error) return 'runuser is missing';
  return null;
}

describe('private files and folders against another local user (real systemd, real second user)', () => {
  const skip = skipReason();
  const user = `vigil-sec-${randomBytes(3).toString('hex')}`;
  let uid = -1;
  let h: TestHome;
  let svc = '';
  let logs = '';
  let victimDir = '';

  /** A shell command run as the other user; its exit status and stderr. */
  const asOther = (script: string) => {
    const r = spawnSync('runuser', ['-u', user, '--', '/bin/sh', '-c', script], { cwd: '/' });
    return { status: r.status, stderr: r.stderr.toString() };
  };
  const systemctl = (...args: string[]) => spawnSync('systemctl', ['--user', ...args], { env: h.env });
  const show = () => {
    const out = systemctl(
      'show',
      '-p',
      'ExecMainStatus,ActiveState',
      `vigil-${svc}.service`,
    ).stdout.toString();
    return Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
  };
  /** Restarts the unit and waits until the launcher has ended or the program runs. */
  const restart = async () => {
    systemctl('restart', `vigil-${svc}.service`);
    for (let i = 0; i < 50; i++) {
      const s = show();
      if (s.ActiveState !== 'activating') return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return show();
  };

  before(async () => {
    if (skip) return;
    execFileSync('useradd', ['-m', user]);
    uid = Number(execFileSync('id', ['-u', user]).toString().trim());
    h = await makeHome('vigil-sec-');
    svc = uniquePrefix();
    logs = path.join(h.env.VIGIL_HOME!, 'logs');
    victimDir = mkdtempSync(path.join(tmpdir(), 'vigil-victim-'));
    const file = h.manifest(
      `version: 1\nservices:\n  ${svc}:\n    command: [/bin/sh, -c, "echo CANARY-$$; exec sleep 600"]\n    restart: { policy: "no" }\n`,
    );
    // The apply runs with umask 000, as in the issue.
    const r = await run(
      '/bin/sh',
      ['-c', 'umask 000; exec "$0" "$@"', process.execPath, BIN, 'apply', '-f', file],
      h.env,
      {},
    );
    assert.equal(r.code, 0, r.stderr);
    lookIn();
  });
  /** VIGIL_HOME 0755 (doctor warns, nothing refuses): the other user may look in, as in the issue. */
  const lookIn = () => {
    chmodSync(h.home, 0o755);
    chmodSync(h.env.VIGIL_HOME!, 0o755);
  };
  // Each attack starts from a private logs/ and state/, whatever the one before left (so one failure stays one).
  afterEach(() => {
    if (skip) return;
    for (const d of [logs, path.join(h.env.VIGIL_HOME!, 'state')]) if (existsSync(d)) chmodSync(d, 0o700);
    const log = path.join(logs, `${svc}.log`);
    try {
      const st = lstatSync(log);
      if (st.uid !== 0 || st.isSymbolicLink()) rmSync(log); // the other user's file or link
    } catch {
      // not there
    }
  });
  after(async () => {
    if (skip) return;
    await h?.cleanup();
    rmSync(victimDir, { recursive: true, force: true });
    spawnSync('userdel', ['-r', user]);
  });

  it('umask 000: the folders Vigil created are 0700 and its files 0600', async (t) => {
    if (skip) return t.skip(skip);
    const vh = h.env.VIGIL_HOME!;
    assert.equal(mode(logs), '700', 'logs/');
    assert.equal(mode(path.join(vh, 'state')), '700', 'state/');
    assert.equal(mode(path.join(logs, `${svc}.log`)), '600');
    assert.equal(mode(path.join(logs, `${svc}.launcher.log`)), '600');
    assert.equal((await restart()).ActiveState, 'active');
    assert.equal(mode(path.join(vh, 'state', 'exits.log')), '600');
    // And so the other user cannot even reach the journal.
    const w = asOther(`echo "1700000000.0 ${svc} signal killed KILL" >> ${vh}/state/exits.log`);
    assert.notEqual(w.status, 0);
    assert.match(w.stderr, /Permission denied/);
  });

  it('logs/ left writable by others: vigil apply refuses (E_HOME_UNSAFE), doctor reports it and --fix tightens it', async (t) => {
    if (skip) return t.skip(skip);
    lookIn();
    chmodSync(logs, 0o777);
    const file = path.join(h.home, 'vigil.yaml');
    const a = await h.vigil(['apply', '-f', file, '--json']);
    assert.equal(a.code, 1);
    const err = (JSON.parse(a.stdout) as { error: { code: string; message: string; path: string } }).error;
    assert.equal(err.code, 'E_HOME_UNSAFE');
    assert.equal(err.path, logs);
    assert.match(
      err.message,
      /is writable by other users \(mode 0777\); Vigil will not run on it — fix: vigil doctor --fix \(or chmod 700 /,
    );
    // Neither does the agent, nor secrets set (asked before the value is read).
    const agent = await h.vigil(['agent', 'run'], { timeoutMs: 20_000 });
    assert.equal(agent.code, 1, agent.stderr);
    assert.match(agent.stderr, /logs is writable by other users \(mode 0777\); Vigil will not run on it/);
    const secret = await h.vigil(['secrets', 'set', 'x', 'KEY'], { input: 'v\n' });
    assert.equal(secret.code, 1, secret.stderr);
    assert.match(secret.stderr, /logs is writable by other users \(mode 0777\)/);
    const d = await h.vigil(['doctor', '--json']);
    const checks = (JSON.parse(d.stdout) as { checks: { name: string; level: string; message: string }[] })
      .checks;
    assert.ok(
      checks.some(
        (c) =>
          c.name === 'logs dir' &&
          c.level === 'fail' &&
          /writable by other users \(mode 0777\)/.test(c.message),
      ),
      d.stdout,
    );
    await h.vigil(['doctor', '--fix']);
    assert.equal(mode(logs), '700');
  });

  it("another user's 0666 file in place of logs/<svc>.log (logs/ 0777): the launcher refuses, exit 78, no output reaches it", async (t) => {
    if (skip) return t.skip(skip);
    lookIn();
    chmodSync(logs, 0o777);
    const log = path.join(logs, `${svc}.log`);
    const r = asOther(`rm -f ${log} && touch ${log} && chmod 666 ${log}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(log).uid, uid);
    const s = await restart();
    assert.equal(s.ExecMainStatus, '78', JSON.stringify(s));
    assert.equal(readFileSync(log, 'utf8'), '', 'nothing the service printed is in their file');
    assert.match(
      readFileSync(path.join(logs, `${svc}.launcher.log`), 'utf8'),
      /refusing .*\.log: its directory .*logs has mode 0777, so other users can replace the file; fix: chmod 700/,
    );
  });

  it("another user's 0666 file in a sticky logs/ (1777): refused as theirs, exit 78", async (t) => {
    if (skip) return t.skip(skip);
    lookIn();
    chmodSync(logs, 0o1777);
    const log = path.join(logs, `${svc}.log`);
    rmSync(log, { force: true });
    const r = asOther(`touch ${log} && chmod 666 ${log}`);
    assert.equal(r.status, 0, r.stderr);
    // Through the CLI: the failed start says the launcher's refusal.
    const cli = await h.vigil(['restart', svc]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(
      cli.stderr,
      new RegExp(
        `vigil-launch\\[${svc}\\]: refusing .*${svc}\\.log: it is owned by uid ${uid}, not by uid 0 that runs the service.*; ${svc} not started \\(exit 78\\)`,
      ),
    );
    const s = await restart();
    assert.equal(s.ExecMainStatus, '78', JSON.stringify(s));
    assert.equal(readFileSync(log, 'utf8'), '');
    assert.match(
      readFileSync(path.join(logs, `${svc}.launcher.log`), 'utf8'),
      new RegExp(`refusing .*${svc}\\.log: it is owned by uid ${uid}, not by uid 0 that runs the service`),
    );
  });

  it('a link to a root-owned 0600 victim in place of logs/<svc>.log: not followed, exit 78, the victim untouched', async (t) => {
    if (skip) return t.skip(skip);
    lookIn();
    chmodSync(logs, 0o1777);
    const victim = path.join(victimDir, 'victim');
    writeFileSync(victim, 'precious\n', { mode: 0o600 });
    chmodSync(victimDir, 0o755);
    const log = path.join(logs, `${svc}.log`);
    rmSync(log, { force: true });
    const r = asOther(`ln -s ${victim} ${log}`);
    assert.equal(r.status, 0, r.stderr);
    const s = await restart();
    assert.equal(s.ExecMainStatus, '78', JSON.stringify(s));
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.ok(lstatSync(log).isSymbolicLink());
    assert.match(
      readFileSync(path.join(logs, `${svc}.launcher.log`), 'utf8'),
      /refusing .*\.log: it is a symbolic link \(not followed, its target untouched\)/,
    );
    rmSync(log);
    chmodSync(logs, 0o700);
  });

  it("a fake line in a state/exits.log another user could write: the hook refuses to add to it (78) and the agent's reader ignores it", async (t) => {
    if (skip) return t.skip(skip);
    lookIn();
    const state = path.join(h.env.VIGIL_HOME!, 'state');
    const journal = path.join(state, 'exits.log');
    chmodSync(state, 0o1777); // sticky, so the directory check passes and the file's own is what refuses
    rmSync(journal, { force: true });
    rmSync(`${journal}.pending`, { force: true });
    const fake = `${Math.floor(Date.now() / 1000)}.000000000 ${svc} signal killed KILL`;
    const w = asOther(`echo "${fake}" > ${journal} && chmod 666 ${journal}`);
    assert.equal(w.status, 0, w.stderr);
    const reader = new FileExitJournal(journal);
    const got = await reader.readSince(0);
    assert.deepEqual(got.records, [], 'the fake line is not an exit record');
    assert.equal(reader.refused?.code, 'E_JOURNAL_UNSAFE');
    assert.match(reader.refused?.message ?? '', new RegExp(`is owned by uid ${uid}`));
    const hook = spawnSync(LAUNCHER, ['--exit-hook', journal, svc], {
      env: { SERVICE_RESULT: 'success', EXIT_CODE: 'exited', EXIT_STATUS: '0' },
    });
    assert.equal(hook.status, 78, hook.stderr.toString());
    assert.match(hook.stderr.toString(), /refusing .*exits\.log(\.pending)?: /);
    assert.equal(readFileSync(journal, 'utf8'), `${fake}\n`, 'nothing of ours was added to their file');
    rmSync(journal);
    rmSync(`${journal}.pending`, { force: true });
    chmodSync(state, 0o700);
    assert.ok(!existsSync(journal));
  });

  it('the real agent running: a fake crash line another user puts in state/exits.log never becomes an event, and the agent log says why', async (t) => {
    if (skip) return t.skip(skip);
    lookIn();
    const state = path.join(h.env.VIGIL_HOME!, 'state');
    const journal = path.join(state, 'exits.log');
    rmSync(journal, { force: true });
    chmodSync(state, 0o700);
    const agent = await startAgent(h);
    try {
      await sleep(1500); // past its first ticks
      chmodSync(state, 0o1777); // an admin's mistake while the agent runs
      rmSync(journal, { force: true });
      const fake = `${Math.floor(Date.now() / 1000)}.000000000 ${svc} signal killed KILL`;
      const w = asOther(`echo "${fake}" > ${journal} && chmod 666 ${journal}`);
      assert.equal(w.status, 0, w.stderr);
      const agentLog = path.join(logs, 'vigil-agent.log');
      await waitFor(
        'the agent to refuse the journal',
        () =>
          existsSync(agentLog) &&
          /refusing to read the exit journal .*exits\.log: it is owned by uid/.test(
            readFileSync(agentLog, 'utf8'),
          ),
        10_000,
      );
      await sleep(2500); // several more ticks
      const events = await h.json<{ service: string | null; message?: string }[]>([
        'events',
        '--since',
        '10m',
        '--service',
        svc,
      ]);
      assert.ok(
        !JSON.stringify(events).includes('KILL'),
        `no crash by SIGKILL was made up: ${JSON.stringify(events)}`,
      );
    } finally {
      await agent.stop();
      rmSync(journal, { force: true });
      chmodSync(state, 0o700);
    }
  });
});
