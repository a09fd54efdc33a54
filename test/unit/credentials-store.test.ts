/** The file credential store against hostile and sloppy states: modes under any umask, links, owners, hard links, FIFOs. */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FsCredentialStore, KEEP_VERSIONS } from '../../agent/adapters/credentials/fs-store.js';
import { tightenMode, staleTemps } from '../../agent/adapters/credentials/private-file.js';
import { VigilError } from '../../agent/core/errors.js';
import type { CredentialEntry } from '../../agent/core/credentials/envfile.js';
import { readForWrite } from '../../agent/app/credentials.js';

const mode = (p: string) => fs.lstatSync(p).mode & 0o7777;
const entry = (key: string, value: string, updatedAt: number | null = 1): CredentialEntry => ({
  key,
  value,
  updatedAt,
});

function refused(fn: () => unknown, re: RegExp): VigilError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VigilError, String(err));
    assert.equal(err.code, 'E_CREDENTIAL_UNSAFE', err.message);
    assert.match(err.message, re);
    assert.match(err.message, / — fix: /, 'every refusal names the fix');
    return err;
  }
  return assert.fail('expected a refusal');
}

describe('credential store files', () => {
  let base: string;
  let dir: string;
  let clock: number;
  let store: FsCredentialStore;
  const oldUmask = process.umask();

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cred-'));
    dir = path.join(base, 'home', 'credentials');
    clock = Date.UTC(2026, 0, 1);
    store = new FsCredentialStore(dir, () => clock++);
  });
  afterEach(() => {
    process.umask(oldUmask);
    fs.rmSync(base, { recursive: true, force: true });
  });

  for (const umask of [0o000, 0o077, 0o022, 0o777]) {
    it(`every operation leaves 0700 directories and 0600 files under umask ${umask.toString(8).padStart(3, '0')}`, () => {
      process.umask(umask);
      store.write('core', [entry('A', 'one-value-1')]);
      store.write('core', [entry('A', 'two-value-2')]);
      store.write('other', [entry('B', 'x')]);
      const [v] = store.versions('core');
      store.restore('core', v!.id);
      process.umask(oldUmask);
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(path.join(dir, '.history')), 0o700);
      for (const d of [dir, path.join(dir, '.history')]) {
        for (const f of fs.readdirSync(d)) {
          const p = path.join(d, f);
          if (fs.lstatSync(p).isDirectory()) continue;
          assert.equal(mode(p), 0o600, `${p} is ${mode(p).toString(8)}`);
        }
      }
      assert.equal(
        store.read('core')!.entries[0]!.value,
        'one-value-1',
        'restore brought back the previous version',
      );
    });
  }

  it('keeps the last 5 versions, newest first, and restore keeps the replaced one in turn', () => {
    for (let i = 0; i < 8; i++) store.write('core', [entry('K', `value-${i}`)]);
    const versions = store.versions('core');
    assert.equal(versions.length, KEEP_VERSIONS);
    assert.ok(versions[0]!.at > versions[4]!.at);
    store.restore('core', versions[0]!.id);
    assert.equal(store.read('core')!.entries[0]!.value, 'value-6');
    const values = store
      .allSecrets()
      .filter((s) => !s.current)
      .map((s) => s.value);
    assert.ok(values.includes('value-7'), 'the replaced version is kept');
  });

  it('refuses a pre-existing 0644 set (and a 0755 directory), naming the path and the fix', () => {
    store.write('core', [entry('A', 'v')]);
    const file = path.join(dir, 'core.env');
    fs.chmodSync(file, 0o644);
    refused(() => store.read('core'), /core\.env is accessible by others \(mode 644\).*vigil doctor --fix/);
    refused(() => store.write('core', [entry('A', 'w')]), /mode 644/);
    fs.chmodSync(file, 0o600);
    fs.chmodSync(dir, 0o755);
    refused(() => store.listSets(), /credentials is accessible by others \(mode 755\)/);
    refused(() => store.write('core', [entry('A', 'w')]), /mode 755/);
  });

  it('a symlinked set file pointing at a victim: refused, the victim untouched', () => {
    store.write('seed', [entry('A', 'v')]);
    const victim = path.join(base, 'victim.txt');
    fs.writeFileSync(victim, 'precious\n', { mode: 0o644 });
    fs.symlinkSync(victim, path.join(dir, 'core.env'));
    refused(() => store.read('core'), /symbolic link/);
    refused(() => store.write('core', [entry('A', 'attacker-wants-this-written')]), /symbolic link/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(mode(victim), 0o644, 'mode of the victim unchanged');
    assert.throws(() => tightenMode(path.join(dir, 'core.env'), 'file'), /symbolic link/);
    assert.equal(mode(victim), 0o644, 'tightenMode never follows the link');
    assert.ok(
      !store.allSecrets().some((s) => s.set === 'core'),
      'the leak guard does not read through the link either',
    );
  });

  it('a symlinked credentials directory or history directory is refused', () => {
    const elsewhere = path.join(base, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o700 });
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    fs.symlinkSync(elsewhere, dir);
    refused(() => store.write('core', [entry('A', 'v')]), /credentials is a symbolic link/);
    assert.deepEqual(fs.readdirSync(elsewhere), [], 'nothing written through the link');
    fs.unlinkSync(dir);
    store.write('core', [entry('A', 'v')]);
    fs.rmSync(path.join(dir, '.history'), { recursive: true });
    fs.symlinkSync(elsewhere, path.join(dir, '.history'));
    refused(() => store.write('core', [entry('A', 'w')]), /\.history is a symbolic link/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });

  it(
    'a file owned by another user is refused (uid 65534)',
    { skip: process.getuid?.() !== 0 ? 'needs root to chown' : false },
    () => {
      store.write('core', [entry('A', 'v')]);
      fs.chownSync(path.join(dir, 'core.env'), 65534, 65534);
      refused(() => store.read('core'), /owned by uid 65534, not by you/);
      refused(() => store.write('core', [entry('A', 'w')]), /owned by uid 65534/);
      assert.throws(() => tightenMode(path.join(dir, 'core.env'), 'file'), /owned by uid 65534/);
      fs.chownSync(path.join(dir, 'core.env'), 0, 0);
      fs.chownSync(dir, 65534, 65534);
      refused(() => store.listSets(), /credentials is owned by uid 65534/);
    },
  );

  it('a second hard link, a FIFO and a directory at a set path are refused (and a FIFO does not hang)', () => {
    store.write('core', [entry('A', 'v')]);
    fs.linkSync(path.join(dir, 'core.env'), path.join(base, 'copy.env'));
    refused(() => store.read('core'), /2 hard links/);
    fs.unlinkSync(path.join(base, 'copy.env'));
    execFileSync('mkfifo', ['-m', '600', path.join(dir, 'pipe.env')]);
    refused(() => store.read('pipe'), /not a regular file/);
    fs.mkdirSync(path.join(dir, 'd.env'), { mode: 0o700 });
    refused(() => store.read('d'), /not a regular file/);
  });

  it('a parent directory writable by others is refused (they could swap credentials/)', () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.chmodSync(path.dirname(dir), 0o777);
    refused(() => store.write('core', [entry('A', 'v')]), /home is writable by others \(mode 777\)/);
    fs.chmodSync(path.dirname(dir), 0o1777);
    store.write('core', [entry('A', 'v')]);
  });

  it('a link planted at the next history name is skipped, never written through', () => {
    store.write('core', [entry('A', 'v1')]);
    const victim = path.join(base, 'victim2');
    fs.writeFileSync(victim, 'keep');
    const next = String(clock).padStart(15, '0');
    fs.symlinkSync(victim, path.join(dir, '.history', `core.${next}.env`));
    store.write('core', [entry('A', 'v2')]);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep');
    assert.ok(fs.lstatSync(path.join(dir, '.history', `core.${next}.env`)).isSymbolicLink());
  });

  it("stale temp files of a dead writer are removed by the next write; a live writer's are left", () => {
    store.write('core', [entry('A', 'v')]);
    const dead = path.join(dir, '.core.env.tmp-999999-abcdef');
    const live = path.join(dir, `.core.env.tmp-${process.pid}-abcdef`);
    fs.writeFileSync(dead, 'x', { mode: 0o600 });
    fs.writeFileSync(live, 'x', { mode: 0o600 });
    assert.deepEqual(staleTemps(dir, false), [dead]);
    store.write('core', [entry('A', 'w')]);
    assert.ok(!fs.existsSync(dead));
    assert.ok(fs.existsSync(live));
  });

  it('rewrites a hand-edited set only when every line reads', () => {
    store.write('core', [entry('A', 'v')]);
    fs.appendFileSync(path.join(dir, 'core.env'), "B='unterminated\n");
    const r = store.read('core')!;
    assert.equal(r.problems.length, 1);
    assert.equal(r.entries.length, 1);
    const before = fs.readFileSync(path.join(dir, 'core.env'));
    assert.throws(
      () => readForWrite(store, 'core'),
      (e: unknown) =>
        e instanceof VigilError &&
        e.code === 'E_CREDENTIAL_UNSAFE' &&
        /core\.env:\d+: B: .*does not rewrite/.test(e.message),
    );
    assert.deepEqual(
      fs.readFileSync(path.join(dir, 'core.env')),
      before,
      'the hand-edited file is left as it was',
    );
    fs.writeFileSync(path.join(dir, 'core.env'), "A=v\nB='fixed'\n", { mode: 0o600 });
    assert.deepEqual(
      readForWrite(store, 'core')!.map((e) => [e.key, e.value]),
      [
        ['A', 'v'],
        ['B', 'fixed'],
      ],
      'once every line reads, it may be rewritten',
    );
  });

  it('allSecrets lists current and kept values with their set, key and version', () => {
    store.write('core', [entry('API_KEY', 'old-value-123', 100)]);
    store.write('core', [entry('API_KEY', 'new-value-456', 200)]);
    const all = store.allSecrets();
    assert.deepEqual(
      all.map((s) => [s.set, s.key, s.value, s.version, s.current]),
      [
        ['core', 'API_KEY', 'new-value-456', 200, true],
        ['core', 'API_KEY', 'old-value-123', 100, false],
      ],
    );
  });

  it('purge removes a set and its kept versions (a link is removed, its target kept)', () => {
    store.write('core', [entry('A', 'v1')]);
    store.write('core', [entry('A', 'v2')]);
    store.write('keep', [entry('A', 'k')]);
    const gone = store.purge('core');
    assert.equal(gone.length, 2);
    assert.equal(store.read('core'), null);
    assert.deepEqual(store.versions('core'), []);
    assert.equal(store.read('keep')!.entries[0]!.value, 'k');
    const victim = path.join(base, 'victim3');
    fs.writeFileSync(victim, 'keep me');
    fs.symlinkSync(victim, path.join(dir, 'link.env'));
    store.purge('link');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
  });

  it('set names cannot escape the directory', () => {
    assert.throws(() => store.read('../x'), /not a credential set name/);
    assert.throws(() => store.write('a/b', []), /not a credential set name/);
  });
});
