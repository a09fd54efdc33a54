/**
 * vigil-launch, the compiled binary, on its own (no service manager): exit codes and signals passed on,
 * signal forwarding, exit records, env files and their refusals, execvp failure, the log file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';
import { FIXTURES, waitFor } from '../helpers/vigil.js';
import { readOr, requireLauncher, runLauncher, startLauncher } from '../helpers/launcher.js';

const NODE = process.execPath;
const SIGNALS = path.join(FIXTURES, 'services', 'signals.mjs');
const PRINT_ENV = path.join(FIXTURES, 'services', 'print-env.mjs');

let dir: string;
let n = 0;
/** A fresh path in the temp dir. */
const fresh = (name: string): string => path.join(dir, `${n++}-${name}`);

before(() => {
  requireLauncher();
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-launch-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function exitRecords(file: string) {
  return readOr(file)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      assert.match(
        l,
        /^\d{10}\.\d{9} [a-z0-9-]+ (success|exit-code|signal|core-dump) (exited|killed|dumped) [A-Z0-9]+ via=vigil-launch( exec-error=E[A-Z]+)?( log-end=\d+:\d+:\d+)?$/,
        l,
      );
      return parseExitLine(l, 0)!;
    });
}

describe('exit status and exit records', () => {
  it('exits with the child’s code and records it', async () => {
    const exits = fresh('exits.log');
    const r = await runLauncher(['--service', 'web', '--exits', exits, '--', '/bin/sh', '-c', 'exit 7']);
    assert.deepEqual([r.code, r.signal], [7, null]);
    const ok = await runLauncher(['--service', 'web', '--exits', exits, '--', '/bin/true']);
    assert.equal(ok.code, 0);
    const recs = exitRecords(exits);
    assert.deepEqual(
      recs.map((x) => [x.service, x.result, x.how, x.code, x.signal]),
      [
        ['web', 'exit-code', 'exited', 7, null],
        ['web', 'success', 'exited', 0, null],
      ],
    );
    assert.ok(Math.abs(recs[0]!.at - Date.now()) < 60_000, 'epoch seconds, now-ish');
  });

  it('dies of the child’s signal (SIGKILL, SIGSEGV, SIGTERM) and records it as systemd would', async () => {
    const exits = fresh('exits.log');
    const kill = await runLauncher([
      '--service',
      'k',
      '--exits',
      exits,
      '--',
      '/bin/sh',
      '-c',
      'kill -KILL $$',
    ]);
    assert.deepEqual([kill.code, kill.signal], [null, 'SIGKILL']);
    const segv = await runLauncher([
      '--service',
      'k',
      '--exits',
      exits,
      '--',
      '/bin/sh',
      '-c',
      'ulimit -c 0; kill -SEGV $$',
    ]);
    assert.deepEqual([segv.code, segv.signal], [null, 'SIGSEGV']);
    const term = await runLauncher([
      '--service',
      'k',
      '--exits',
      exits,
      '--',
      '/bin/sh',
      '-c',
      'kill -TERM $$',
    ]);
    assert.deepEqual([term.code, term.signal], [null, 'SIGTERM']);
    assert.deepEqual(
      exitRecords(exits).map((x) => [x.result, x.how, x.signal]),
      [
        ['signal', 'killed', 'SIGKILL'],
        ['signal', 'killed', 'SIGSEGV'],
        ['success', 'killed', 'SIGTERM'], // a clean exit for a daemon, as systemd counts it
      ],
    );
  });

  it('an unrunnable program: exit 127, a clear message on stderr and in the log, an exit record', async () => {
    const log = fresh('svc.log');
    const exits = fresh('exits.log');
    const missing = await runLauncher([
      '--service',
      'svc',
      '--log',
      log,
      '--exits',
      exits,
      '--',
      '/nonexistent/program',
      'arg',
    ]);
    assert.equal(missing.code, 127);
    assert.match(
      missing.stderr,
      /vigil-launch\[svc\]: cannot execute \/nonexistent\/program: No such file or directory/,
    );
    assert.match(
      readFileSync(log, 'utf8'),
      /^vigil-launch\[svc\]: cannot execute \/nonexistent\/program: No such file or directory\n$/,
    );
    const notExec = fresh('not-exec.sh');
    writeFileSync(notExec, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const denied = await runLauncher(['--service', 'svc', '--exits', exits, '--', notExec]);
    assert.equal(denied.code, 127);
    assert.match(denied.stderr, /cannot execute .*not-exec\.sh: Permission denied/);
    const noPath = await runLauncher(['--', 'no-such-program-on-path-xyz']);
    assert.equal(noPath.code, 127);
    assert.match(noPath.stderr, /cannot execute no-such-program-on-path-xyz: No such file or directory/);
    assert.deepEqual(
      exitRecords(exits).map((x) => [x.result, x.code]),
      [
        ['exit-code', 127],
        ['exit-code', 127],
      ],
    );
    const st = statSync(log);
    assert.deepEqual(
      exitRecords(exits).map((x) => x.launcher),
      [
        { ran: true, execError: 'ENOENT', logEnd: { dev: st.dev, ino: st.ino, offset: st.size } },
        { ran: true, execError: 'EACCES', logEnd: null },
      ],
      'the errno by name, and where the output ended when there is a log',
    );
  });

  it("--end-file: where the output ended, for systemd's exit hook, under this run's INVOCATION_ID", async () => {
    const log = fresh('end.log');
    const end = fresh('end.state');
    const r = await runLauncher(
      [
        '--service',
        'e',
        '--log',
        log,
        '--end-file',
        end,
        '--',
        '/bin/sh',
        '-c',
        'echo one; printf two; exit 217',
      ],
      { PATH: process.env.PATH, INVOCATION_ID: 'abc123' },
    );
    assert.equal(r.code, 217);
    const st = statSync(log);
    assert.equal(
      readFileSync(log, 'utf8'),
      'one\ntwo\n',
      'the unfinished last line was ended before the position was taken',
    );
    assert.equal(
      readFileSync(end, 'utf8'),
      `abc123 via=vigil-launch log-end=${st.dev}:${st.ino}:${st.size}\n`,
    );
    const gone = await runLauncher(
      ['--service', 'e', '--log', log, '--end-file', end, '--', '/nonexistent/x'],
      { PATH: process.env.PATH },
    );
    assert.equal(gone.code, 127);
    assert.match(
      readFileSync(end, 'utf8'),
      /^- via=vigil-launch exec-error=ENOENT log-end=\d+:\d+:\d+\n$/,
      'no invocation id outside systemd',
    );
  });

  it('usage errors exit 64; a log file it cannot open exits 73; the program never runs', async () => {
    const marker = fresh('ran');
    const ran = ['/bin/sh', '-c', `touch ${marker}`];
    for (const args of [
      [],
      ['--'],
      ['--bogus', 'x', '--', ...ran],
      ['--max-bytes', '0', '--', ...ran],
      ['--keep', 'x', '--', ...ran],
      ['--log'],
    ]) {
      const r = await runLauncher(args);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage: vigil-launch/);
    }
    const r = await runLauncher(['--log', path.join(dir, 'no', 'such', 'dir', 'x.log'), '--', ...ran]);
    assert.equal(r.code, 73);
    assert.match(r.stderr, /cannot open the log file .*x\.log: No such file or directory/);
    assert.equal(existsSync(marker), false);
  });
});

describe('signals', () => {
  it('forwards TERM, INT, HUP, QUIT, USR1 and USR2 to the child, each delivered once', async () => {
    const log = fresh('sig.log');
    const child = startLauncher(['--service', 'sig', '--log', log, '--', NODE, SIGNALS]);
    await waitFor('ready', () => readOr(log).includes('ready'), 15_000);
    for (const sig of ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGINT', 'SIGQUIT'] as const) {
      child.kill(sig);
      await waitFor(`got ${sig}`, () => readOr(log).includes(`got ${sig}`), 10_000);
    }
    child.kill('SIGTERM');
    const r = await child.done;
    assert.deepEqual([r.code, r.signal], [0, null], 'the child exited 0 on SIGTERM, and so did the launcher');
    const got = readOr(log)
      .split('\n')
      .filter((l) => l.startsWith('got '));
    assert.deepEqual(got, [
      'got SIGUSR1',
      'got SIGUSR2',
      'got SIGHUP',
      'got SIGINT',
      'got SIGQUIT',
      'got SIGTERM',
    ]);
  });

  it('forwards to the child’s whole process group: a wrapper script’s children stop too', async () => {
    const pidFile = fresh('pid');
    const child = startLauncher([
      '--',
      '/bin/sh',
      '-c',
      `sleep 1000 >/dev/null 2>&1 & echo $! > ${pidFile}; wait`,
    ]);
    const pid = Number(
      await waitFor(
        'grandchild pid',
        () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) || undefined,
        10_000,
      ),
    );
    try {
      child.kill('SIGTERM');
      const r = await child.done;
      assert.deepEqual([r.code, r.signal], [null, 'SIGTERM']);
      await waitFor('grandchild gone', () => !alive(pid), 10_000);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('env files', () => {
  const SECRET = 's3cr3t-value-do-not-print';

  function envFile(name: string, text: string, mode = 0o600): string {
    const f = fresh(name);
    writeFileSync(f, text);
    chmodSync(f, mode);
    return f;
  }

  it('loads KEY=value files in order into the child’s environment (systemd/dotenv syntax)', async () => {
    const a = envFile(
      'a.env',
      [
        '# a comment',
        '',
        'export PLAIN=hello',
        'SPACED = spaced value   ',
        'DQ="quoted \\" value with $HOME and # hash"',
        'SQ=\'single $HOME "x" \\n\' # trailing comment',
        'EMPTY=',
        'MULTI="line1',
        'line2"',
        'ESC="a\\\\b\\nc"',
        `TOKEN=${SECRET}`,
      ].join('\n') + '\n',
    );
    const b = envFile('b.env', 'PLAIN=second\r\n');
    const log = fresh('env.log');
    const keys = ['PLAIN', 'SPACED', 'DQ', 'SQ', 'EMPTY', 'MULTI', 'ESC', 'TOKEN', 'NOTIFY_SOCKET'];
    const r = await runLauncher(
      [
        '--log',
        log,
        '--env-file',
        a,
        '--env-file',
        b,
        '--env-file',
        fresh('missing.env'),
        '--',
        NODE,
        PRINT_ENV,
        ...keys,
      ],
      { ...process.env, NOTIFY_SOCKET: '/nonexistent/notify' },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(log, 'utf8')), {
      PLAIN: 'second',
      SPACED: 'spaced value',
      DQ: 'quoted " value with $HOME and # hash',
      SQ: 'single $HOME "x" \\n',
      EMPTY: '',
      MULTI: 'line1\nline2',
      ESC: 'a\\b\nc',
      TOKEN: SECRET,
    });
    assert.doesNotMatch(r.stderr, new RegExp(SECRET));
  });

  it('refuses a symlink, a group/world-readable file, another user’s file and bad syntax: exit 78, path and fix named, no value shown', async () => {
    const good = envFile('good.env', `TOKEN=${SECRET}\n`);
    const link = fresh('link.env');
    symlinkSync(good, link);
    const open = envFile('open.env', `TOKEN=${SECRET}\n`, 0o644);
    const group = envFile('group.env', `TOKEN=${SECRET}\n`, 0o640);
    const foreign = envFile('foreign.env', `TOKEN=${SECRET}\n`);
    chownSync(foreign, 65534, 65534);
    const syntax = envFile('syntax.env', `TOKEN=${SECRET}\nnot a pair ${SECRET}\n`);
    const quote = envFile('quote.env', `TOKEN="${SECRET}\n`);
    const me = process.getuid!();
    const cases: [string, RegExp][] = [
      [link, /refusing .*link\.env: it is a symbolic link/],
      [
        open,
        /refusing .*open\.env: mode 0644 lets other users read or change it; fix: chmod 600 .*open\.env/,
      ],
      [group, /refusing .*group\.env: mode 0640 .*chmod 600/],
      [
        foreign,
        new RegExp(
          `refusing .*foreign\\.env: it is owned by uid 65534, not by uid ${me} that runs the service; fix: chown ${me} .*foreign\\.env`,
        ),
      ],
      [syntax, /syntax\.env:2: not a KEY=value line/],
      [quote, /quote\.env:1: TOKEN: unterminated quote/],
    ];
    for (const [file, why] of cases) {
      const marker = fresh('ran');
      const log = fresh('refused.log');
      const r = await runLauncher([
        '--service',
        'svc',
        '--log',
        log,
        '--env-file',
        file,
        '--',
        '/bin/sh',
        '-c',
        `touch ${marker}`,
      ]);
      assert.equal(r.code, 78, `${file}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.match(readFileSync(log, 'utf8'), why, 'the refusal is in the service log too');
      assert.equal(existsSync(marker), false, 'the program never ran');
      assert.doesNotMatch(
        r.stderr + readFileSync(log, 'utf8'),
        new RegExp(SECRET),
        'no value in any message',
      );
    }
  });
});

describe('the log file', () => {
  it('a partial line is written after a quiet moment, while the child still runs; the next bytes complete it', async () => {
    const log = fresh('partial.log');
    const child = startLauncher([
      '--log',
      log,
      '--',
      '/bin/sh',
      '-c',
      'printf "prompt> "; sleep 3; echo done; printf "no newline at exit"',
    ]);
    await waitFor('partial line in the file', () => readOr(log) === 'prompt> ', 2500, 20);
    assert.equal((await child.done).code, 0);
    assert.equal(
      readFileSync(log, 'utf8'),
      'prompt> done\nno newline at exit\n',
      'a last line without newline is ended at exit',
    );
  });

  it('a line longer than the launcher’s buffer arrives whole; stdout and stderr share the file in order', async () => {
    const log = fresh('long.log');
    const script =
      "const fs=require('fs');fs.writeSync(1,'a'.repeat(700000)+'\\n');fs.writeSync(2,'err\\n');fs.writeSync(1,'out\\n')";
    const r = await runLauncher(['--log', log, '--', NODE, '-e', script]);
    assert.equal(r.code, 0);
    assert.equal(readFileSync(log, 'utf8'), `${'a'.repeat(700000)}\nerr\nout\n`);
  });

  it('rotates before a write would pass max-bytes, whole lines only, keeping K files (.1 newest)', async () => {
    const line = (i: number) => `line-${i}-${'x'.repeat(22)}\n`; // 30 bytes
    const script = `for i in 0 1 2 3 4 5 6 7 8 9; do echo "line-$i-${'x'.repeat(22)}"; done`;
    const log = fresh('rot.log');
    writeFileSync(log, `${'p'.repeat(94)}\n`); // 95 bytes already there: the first line does not fit
    assert.equal(
      (await runLauncher(['--log', log, '--max-bytes', '100', '--keep', '3', '--', '/bin/sh', '-c', script]))
        .code,
      0,
    );
    const files = readdirSync(path.dirname(log))
      .filter((f) => f.startsWith(path.basename(log)))
      .sort();
    assert.deepEqual(files, [path.basename(log), ...[1, 2, 3].map((i) => `${path.basename(log)}.${i}`)]);
    assert.equal(readFileSync(log, 'utf8'), line(9));
    assert.equal(readFileSync(`${log}.1`, 'utf8'), line(6) + line(7) + line(8));
    assert.equal(readFileSync(`${log}.2`, 'utf8'), line(3) + line(4) + line(5));
    assert.equal(
      readFileSync(`${log}.3`, 'utf8'),
      line(0) + line(1) + line(2),
      'the pre-existing file rotated out',
    );

    const zero = fresh('zero.log');
    assert.equal(
      (await runLauncher(['--log', zero, '--max-bytes', '100', '--keep', '0', '--', '/bin/sh', '-c', script]))
        .code,
      0,
    );
    assert.equal(readFileSync(zero, 'utf8'), line(9));
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith(`${path.basename(zero)}.`)),
      [],
      'keep 0: no rotated files',
    );
  });

  it('without --log the child inherits the launcher’s stdout and stderr', async () => {
    const r = await runLauncher(['--', '/bin/sh', '-c', 'echo to-out; echo to-err >&2']);
    assert.equal(r.stdout, 'to-out\n');
    assert.equal(r.stderr, 'to-err\n');
  });
});
