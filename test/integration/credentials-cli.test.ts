/**
 * `vigil secrets` and `vigil doctor --fix` as a user runs them: no echo on a terminal, values never from
 * argv, modes under umask 000/077, hostile files refused and fixed (never followed), import/example/rm,
 * and real systemd reading the files Vigil writes byte for byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { parseEnv } from '../../agent/core/credentials/envfile.js';
import { BIN, ROOT, makeHome, run, waitFor, type TestHome } from '../helpers/vigil.js';
import { TRICKY_VALUES } from '../helpers/credentials.js';

const mode = (p: string) => fs.lstatSync(p).mode & 0o777;

/** Runs `vigil args` on a pseudo-terminal (script(1)); types `typed` once the prompt shows. Returns what the terminal showed. */
function onTty(t: TestHome, args: string[], typed: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
      env: t.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      if (!sent && screen.includes('(input hidden)')) {
        sent = true;
        setTimeout(() => child.stdin.write(`${typed}\r`), 100);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe('vigil secrets (CLI)', () => {
  let t: TestHome;
  let cred: string;
  before(async () => {
    t = await makeHome();
    cred = path.join(t.env.VIGIL_HOME!, 'credentials');
  });
  after(() => t.cleanup());

  it('on a terminal the value is read without echo', async () => {
    const secret = 'sk-tty-typed-secret-0042';
    const r = await onTty(t, ['secrets', 'set', 'tty', 'API_KEY'], secret);
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /Value for tty\/API_KEY \(input hidden\)/);
    assert.ok(!r.screen.includes(secret), `the terminal showed the value: ${JSON.stringify(r.screen)}`);
    assert.match(r.screen, /••••0042/);
    assert.equal(new FsCredentialStore(cred).read('tty')!.entries[0]!.value, secret);
  });

  it('a value given as an argument is refused (exit 2) and nothing is written', async () => {
    const r = await t.vigil(['secrets', 'set', 'argv', 'API_KEY', 'sk-on-the-command-line']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /never pass a secret value on the command line/);
    assert.ok(!fs.existsSync(path.join(cred, 'argv.env')));
  });

  it('piped values lose one trailing newline; a multi-line value is refused with the reason', async () => {
    assert.equal((await t.vigil(['secrets', 'set', 'pipe', 'A'], { input: 'value-one\n' })).code, 0);
    assert.equal(new FsCredentialStore(cred).read('pipe')!.entries[0]!.value, 'value-one');
    const r = await t.vigil(['secrets', 'set', 'pipe', 'B'], { input: 'line1\nline2\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /B: the value contains a line break/);
  });

  for (const umask of ['000', '077']) {
    it(`modes after set, import, rm and rotate under umask ${umask}`, async () => {
      const set = `u${umask}`;
      const sh = (cmd: string, input = '') => run('sh', ['-c', `umask ${umask}; ${cmd}`], t.env, { input });
      const vig = `'${process.execPath}' '${BIN}'`;
      assert.equal((await sh(`${vig} secrets set ${set} A`, 'value-a')).code, 0);
      const envFile = path.join(t.home, 'import.env');
      fs.writeFileSync(envFile, 'B=value-b\nexport C="value c" # note\n', { mode: 0o644 });
      const imp = await sh(`${vig} secrets import ${set} '${envFile}'`);
      assert.equal(imp.code, 0, imp.stderr);
      assert.match(imp.stderr, /readable by others.*consider deleting it/);
      assert.equal((await sh(`${vig} secrets rm ${set} B`)).code, 0);
      assert.equal((await sh(`${vig} secrets rotate ${set} A`, 'value-a2')).code, 0);
      assert.equal(mode(cred), 0o700);
      for (const d of [cred, path.join(cred, '.history')]) {
        for (const f of fs.readdirSync(d))
          if (!fs.lstatSync(path.join(d, f)).isDirectory())
            assert.equal(mode(path.join(d, f)), 0o600, `${f} under umask ${umask}`);
      }
      assert.deepEqual(
        new FsCredentialStore(cred).read(set)!.entries.map((e) => [e.key, e.value]),
        [
          ['A', 'value-a2'],
          ['C', 'value c'],
        ],
      );
    });
  }

  it('example writes the keys with empty values, and refuses to overwrite without --force', async () => {
    const out = path.join(t.home, 'x.env.example');
    assert.equal((await t.vigil(['secrets', 'example', 'u000', '-o', out])).code, 0);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /^A=$/m);
    assert.ok(!text.includes('value-a2'));
    assert.equal((await t.vigil(['secrets', 'example', 'u000', '-o', out])).code, 2);
    assert.equal((await t.vigil(['secrets', 'example', 'u000', '-o', out, '--force'])).code, 0);
  });

  it('a 0644 set is refused by every command, flagged by doctor, and fixed by doctor --fix', async () => {
    const file = path.join(cred, 'pipe.env');
    fs.chmodSync(file, 0o644);
    const set = await t.vigil(['secrets', 'set', 'pipe', 'A'], { input: 'x-new-value' });
    assert.equal(set.code, 1);
    assert.match(set.stderr, /pipe\.env is accessible by others \(mode 644\).*fix: vigil doctor --fix/);
    const list = await t.vigil(['secrets', 'list']);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /mode 644/);
    const doc = await t.vigil(['doctor', '--json']);
    const check = (
      JSON.parse(doc.stdout) as { checks: { name: string; level: string; message: string; fix?: string }[] }
    ).checks.find((c) => c.name === 'credential set pipe')!;
    assert.equal(check.level, 'fail');
    assert.match(check.fix!, /vigil doctor --fix/);
    const fixed = await t.vigil(['doctor', '--fix', '--json']);
    const after = (
      JSON.parse(fixed.stdout) as { checks: { name: string; level: string; message: string }[] }
    ).checks.find((c) => c.name === 'credential set pipe')!;
    assert.equal(after.level, 'ok');
    assert.match(after.message, /was mode 644, now 600 \(fixed\)/);
    assert.equal(mode(file), 0o600);
    assert.equal((await t.vigil(['secrets', 'list'])).code, 0);
  });

  it('a symlinked set pointing at a victim: refused, reported by doctor, --fix never follows it', async () => {
    const victim = path.join(t.home, 'victim.txt');
    fs.writeFileSync(victim, 'precious', { mode: 0o644 });
    fs.symlinkSync(victim, path.join(cred, 'evil.env'));
    const r = await t.vigil(['secrets', 'set', 'evil', 'A'], { input: 'attacker-value' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /evil\.env is a symbolic link/);
    const fixed = await t.vigil(['doctor', '--fix', '--json']);
    const c = (JSON.parse(fixed.stdout) as { checks: { name: string; level: string }[] }).checks.find(
      (x) => x.name === 'credential set evil',
    )!;
    assert.equal(c.level, 'fail');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.equal(mode(victim), 0o644, 'the victim keeps its mode');
    fs.unlinkSync(path.join(cred, 'evil.env'));
  });

  it(
    'a set owned by another user (uid 65534) is refused',
    { skip: process.getuid?.() !== 0 ? 'needs root' : false },
    async () => {
      const file = path.join(cred, 'nobody.env');
      fs.writeFileSync(file, 'A=x\n', { mode: 0o600 });
      fs.chownSync(file, 65534, 65534);
      const r = await t.vigil(['secrets', 'rm', 'nobody', 'A']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /owned by uid 65534, not by you/);
      const fixed = await t.vigil(['doctor', '--fix', '--json']);
      const c = (JSON.parse(fixed.stdout) as { checks: { name: string; level: string }[] }).checks.find(
        (x) => x.name === 'credential set nobody',
      )!;
      assert.equal(c.level, 'fail', 'doctor does not "fix" ownership');
      fs.unlinkSync(file);
    },
  );

  it('real systemd EnvironmentFile= and vigil-launch --env-file read exactly the values Vigil wrote (and a hand edit as our parser does)', async () => {
    new FsCredentialStore(cred).write(
      'tricky',
      Object.entries(TRICKY_VALUES).map(([key, value]) => ({ key, value, updatedAt: 1 })),
    );
    const envOf = async (file: string) => {
      const r = await run(
        'systemd-run',
        ['--user', '--wait', '--pipe', '--quiet', '-p', `EnvironmentFile=${file}`, '/usr/bin/env', '-0'],
        t.env,
        {},
      );
      assert.equal(r.code, 0, r.stderr);
      return Object.fromEntries(
        r.stdout
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
    };
    const got = await envOf(path.join(cred, 'tricky.env'));
    for (const [k, v] of Object.entries(TRICKY_VALUES)) assert.equal(got[k], v, `systemd read ${k}`);
    // vigil-launch --env-file (macOS services) reads the same bytes.
    const launched = await run(
      path.join(ROOT, 'dist', 'bin', 'vigil-launch'),
      ['--env-file', path.join(cred, 'tricky.env'), '--', '/usr/bin/env', '-0'],
      t.env,
      {},
    );
    assert.equal(launched.code, 0, launched.stderr);
    const viaLauncher = Object.fromEntries(
      launched.stdout
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    for (const [k, v] of Object.entries(TRICKY_VALUES))
      assert.equal(viaLauncher[k], v, `vigil-launch read ${k}`);
    const hand = path.join(t.home, 'hand.env');
    fs.writeFileSync(
      hand,
      [
        '# c',
        '; c',
        '  SP = a b  ',
        'CC=\'a\'"b"',
        'ES=a\\ b\\#c',
        'DQ="x \\" \\$ \\\\ \\n y"',
        'IN=v # x',
        'D=1',
        'D=2',
        '',
      ].join('\n'),
    );
    const sys = await envOf(hand);
    for (const e of parseEnv(fs.readFileSync(hand, 'utf8'), 'systemd').entries)
      assert.equal(sys[e.key], e.value, `hand-edited ${e.key}`);
  });

  it('vigil logs without an agent: the value shows as [redacted:<set>/<KEY>] and one secret-leaked event is stored', async () => {
    const logs = path.join(t.env.VIGIL_HOME!, 'logs');
    fs.mkdirSync(logs, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(logs, 'leaky.log'), 'boot\nusing sk-tty-typed-secret-0042 for upstream\n');
    const r = await t.vigil(['logs', 'leaky', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('sk-tty-typed-secret'), r.stdout);
    assert.match(r.stdout, /using \[redacted:tty\/API_KEY\] for upstream/);
    await t.vigil(['logs', 'leaky']);
    const ev = await t.json<{ events: { type: string; service: string; message: string }[] }>([
      'events',
      '-n',
      '1000',
    ]);
    const leaked = ev.events.filter((e) => e.type === 'secret-leaked');
    assert.equal(leaked.length, 1, 'one event however often it is seen');
    assert.equal(leaked[0]!.service, 'leaky');
    assert.match(leaked[0]!.message, /vigil secrets rotate tty API_KEY/);
  });

  it('list --json and rm', async () => {
    const doc = await waitFor('list', async () => {
      const r = await t.vigil(['secrets', 'list', '--json']);
      return r.code === 0
        ? (JSON.parse(r.stdout) as { sets: { set: string; keys: { key: string; masked: string }[] }[] })
        : undefined;
    });
    assert.ok(doc.sets.some((s) => s.set === 'tty' && s.keys[0]!.masked === '••••0042'));
    assert.ok(!JSON.stringify(doc).includes('sk-tty-typed-secret'));
    assert.equal((await t.vigil(['secrets', 'rm', 'tty', 'API_KEY'])).code, 0);
    assert.equal((await t.vigil(['secrets', 'rm', 'tty', 'API_KEY'])).code, 1, 'a missing key is an error');
  });
});
