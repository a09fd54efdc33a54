/**
 * Private folders and files (agent/adapters/fs/private-home.ts, the exit journal's trust check, doctor's
 * logs/ and state/ checks) on the real file system, under umask 000. The attacks of another user are in
 * test/integration/security-private.test.ts.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  assertPrivateHome,
  ensurePrivateDir,
  ensurePrivateFile,
} from '../../agent/adapters/fs/private-home.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';
import { privateDirChecks } from '../../agent/cli/commands/doctor-private.js';
import { vigilPaths } from '../../agent/core/paths.js';
import type { VigilError } from '../../agent/core/errors.js';

const mode = (p: string) => fs.lstatSync(p).mode & 0o7777;

describe('private home', () => {
  let base = '';
  let oldUmask = 0;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(tmpdir(), 'vigil-private-'));
    oldUmask = process.umask(0);
  });
  afterEach(() => {
    process.umask(oldUmask);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('ensurePrivateDir makes every directory it creates 0700 under umask 000, and leaves existing ones be', () => {
    ensurePrivateDir(path.join(base, 'a', 'b', 'c'));
    for (const d of ['a', 'a/b', 'a/b/c']) assert.equal(mode(path.join(base, d)), 0o700, d);
    fs.chmodSync(path.join(base, 'a'), 0o755);
    ensurePrivateDir(path.join(base, 'a', 'b'));
    assert.equal(mode(path.join(base, 'a')), 0o755);
    // tighten: an existing one others may read becomes 0700; one others can write is left to be refused.
    fs.chmodSync(path.join(base, 'a', 'b'), 0o755);
    ensurePrivateDir(path.join(base, 'a', 'b'), { tighten: true });
    assert.equal(mode(path.join(base, 'a', 'b')), 0o700);
    fs.chmodSync(path.join(base, 'a', 'b'), 0o777);
    ensurePrivateDir(path.join(base, 'a', 'b'), { tighten: true });
    assert.equal(mode(path.join(base, 'a', 'b')), 0o777);
  });

  it('ensurePrivateFile creates 0600, tightens 0644 to 0600, refuses a link and a file others can write', () => {
    const f = path.join(base, 'x.launcher.log');
    ensurePrivateFile(f);
    assert.equal(mode(f), 0o600);
    fs.chmodSync(f, 0o644);
    ensurePrivateFile(f);
    assert.equal(mode(f), 0o600);
    fs.chmodSync(f, 0o666);
    assert.throws(
      () => ensurePrivateFile(f),
      (e: VigilError) =>
        e.code === 'E_HOME_UNSAFE' && /writable by other users \(mode 0666\)/.test(e.message),
    );
    const victim = path.join(base, 'victim');
    fs.writeFileSync(victim, 'v', { mode: 0o600 });
    const link = path.join(base, 'l.log');
    fs.symlinkSync(victim, link);
    assert.throws(
      () => ensurePrivateFile(link),
      (e: VigilError) => e.code === 'E_HOME_UNSAFE' && /symbolic link/.test(e.message),
    );
    assert.equal(fs.readFileSync(victim, 'utf8'), 'v');
  });

  it('assertPrivateHome refuses VIGIL_HOME, logs/ or state/ that others can write, or a logs/ link, naming the path and the fix', () => {
    const paths = vigilPaths({ VIGIL_HOME: path.join(base, 'vh') });
    assertPrivateHome(paths); // nothing exists yet: fine
    ensurePrivateDir(paths.logs);
    ensurePrivateDir(path.dirname(paths.exits));
    assertPrivateHome(paths);
    const refused = (re: RegExp) =>
      assert.throws(
        () => assertPrivateHome(paths),
        (e: VigilError) => e.code === 'E_HOME_UNSAFE' && re.test(e.message),
      );
    fs.chmodSync(paths.home, 0o757);
    refused(
      /vh is writable by other users \(mode 0757\); Vigil will not run on it — fix: vigil doctor --fix \(or chmod 700 /,
    );
    fs.chmodSync(paths.home, 0o755); // readable is doctor's warning, not a refusal
    assertPrivateHome(paths);
    fs.chmodSync(path.dirname(paths.exits), 0o770);
    refused(/state is writable by other users \(mode 0770\)/);
    fs.chmodSync(path.dirname(paths.exits), 0o700);
    fs.rmSync(paths.logs, { recursive: true });
    fs.mkdirSync(path.join(base, 'elsewhere'));
    fs.symlinkSync(path.join(base, 'elsewhere'), paths.logs);
    refused(/logs is a symbolic link/);
  });

  it('the exit journal is not read when others can write it: no records, the reader moves past it, refused says why', async () => {
    const journal = path.join(base, 'exits.log');
    fs.writeFileSync(journal, '1700000000.0 web signal killed KILL\n', { mode: 0o600 });
    const reader = new FileExitJournal(journal);
    const seen: string[] = [];
    reader.onRefused = (e) => seen.push(e.message);
    assert.equal((await reader.readSince(0)).records.length, 1, 'a private journal is read');
    fs.appendFileSync(journal, '1700000001.0 web signal killed KILL\n');
    fs.chmodSync(journal, 0o622);
    const got = await reader.readSince(36);
    assert.deepEqual(got.records, []);
    assert.equal(got.next, fs.statSync(journal).size, 'moved past what it held');
    assert.equal(reader.refused?.code, 'E_JOURNAL_UNSAFE');
    assert.match(
      seen[0] ?? '',
      /refusing to read the exit journal .*exits\.log: it is writable by other users \(mode 0622\).*fix: vigil doctor --fix/,
    );
    await reader.readSince(got.next);
    assert.equal(seen.length, 1, 'said once, not every tick');
    fs.chmodSync(journal, 0o600);
    assert.deepEqual(
      (await reader.readSince(got.next)).records,
      [],
      'the lines written while it was open to others stay unread',
    );
    assert.equal(reader.refused, null);
    fs.rmSync(journal);
    fs.symlinkSync(path.join(base, 'other'), journal);
    assert.deepEqual((await reader.readSince(0)).records, []);
    assert.match((reader.refused as VigilError | null)?.message ?? '', /is a symbolic link/);
  });

  it('doctor checks logs/ and state/ and their files; --fix tightens modes but never a link', () => {
    const paths = vigilPaths({ VIGIL_HOME: path.join(base, 'vh') });
    fs.mkdirSync(paths.logs, { recursive: true, mode: 0o777 });
    fs.mkdirSync(path.dirname(paths.exits), { mode: 0o777 });
    fs.writeFileSync(path.join(paths.logs, 'web.launcher.log'), '', { mode: 0o644 });
    fs.writeFileSync(paths.exits, '', { mode: 0o666 });
    fs.symlinkSync('/etc/passwd', path.join(paths.logs, 'web.log'));
    const before = privateDirChecks(paths, false);
    const failing = before.filter((c) => c.level === 'fail').map((c) => `${c.name}: ${c.message}`);
    assert.equal(failing.length, 5, failing.join('\n'));
    assert.match(failing.join('\n'), /logs dir: .*logs is writable by other users \(mode 0777\)/);
    assert.match(failing.join('\n'), /exit journal: .*exits\.log is writable by other users \(mode 0666\)/);
    assert.match(failing.join('\n'), /log web\.log: .*is a symbolic link/);
    privateDirChecks(paths, true);
    assert.equal(mode(paths.logs), 0o700);
    assert.equal(mode(path.dirname(paths.exits)), 0o700);
    assert.equal(mode(paths.exits), 0o600);
    assert.equal(mode(path.join(paths.logs, 'web.launcher.log')), 0o600);
    const after = privateDirChecks(paths, false).filter((c) => c.level === 'fail');
    assert.equal(after.length, 1);
    assert.match(after[0]!.fix ?? '', /^rm .*web\.log$/);
  });
});
