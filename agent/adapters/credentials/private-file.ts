/**
 * Private files the way ssh wants them: checked before they are trusted, written so that no moment
 * exists where they are partial, missing or readable by others, and never followed through a link.
 *
 * - checkPrivateDir: a real directory (not a link), owned by us, no group/world bits (0700); created
 *   0700 if missing. Its parent must not be writable by others (they could swap the directory).
 * - readPrivateFile: lstat (refuse a link, a non-regular file, another owner, group/world bits, a second
 *   hard link), then open O_NOFOLLOW and fstat that the same inode was opened (no swap in between).
 * - writePrivateFileAtomic: temp file in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 and
 *   fchmod 0600, so umask plays no part), write, fsync, rename over the target, fsync the directory.
 * - tightenMode: fchmod through a descriptor opened O_NOFOLLOW (doctor --fix never follows a link).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { VigilError } from '../../core/errors.js';
import { processAlive } from '../process/alive.js';

const C = fs.constants;
const uid = (): number => process.getuid?.() ?? 0;
const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(3, '0');

/** Temp files are `.<name>.tmp-<pid>-<hex>`: the pid tells a stale one (its writer is gone) from a live one. */
const TEMP_RE = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;

export function unsafe(file: string, why: string, fix: string): VigilError {
  return new VigilError('E_CREDENTIAL_UNSAFE', `${file} ${why} — fix: ${fix}`, { details: { path: file } });
}

function ioError(what: string, err: unknown): VigilError {
  return new VigilError('E_IO', `${what}: ${(err as Error).message}`, { cause: err });
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(`cannot stat ${p}`, err);
  }
}

/** What is wrong with a file or directory that should be private to us (null when nothing). */
export function privateProblem(p: string, st: fs.Stats, kind: 'file' | 'dir'): VigilError | null {
  if (st.isSymbolicLink()) {
    return unsafe(
      p,
      'is a symbolic link; Vigil never follows links for credentials (the link target was not touched)',
      `remove the link and re-create the ${kind === 'dir' ? 'directory' : 'set'} (vigil secrets import)`,
    );
  }
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile())
    return unsafe(p, `is not a ${kind === 'dir' ? 'directory' : 'regular file'}`, 'move it aside');
  if (st.uid !== uid())
    return unsafe(
      p,
      `is owned by uid ${st.uid}, not by you (uid ${uid()})`,
      `check who created it; then as root: chown ${uid()} ${p}`,
    );
  if ((st.mode & 0o077) !== 0) {
    return unsafe(
      p,
      `is accessible by others (mode ${octal(st.mode)}); it must be ${kind === 'dir' ? '0700' : '0600'}`,
      `vigil doctor --fix (or chmod ${kind === 'dir' ? '700' : '600'} ${p})`,
    );
  }
  if (kind === 'file' && st.nlink > 1) {
    return unsafe(
      p,
      `has ${st.nlink} hard links; another name could expose it`,
      `remove the other links (find / -samefile ${p})`,
    );
  }
  return null;
}

function loopProblem(file: string): VigilError {
  const now = lstatOrNull(file);
  return (
    (now && privateProblem(file, now, 'file')) ??
    unsafe(
      file,
      'was a symbolic link when opened (it was swapped while being read)',
      'retry; if it repeats, something else is writing the credential directory',
    )
  );
}

/** The directory exists (created 0700 when `create`), is ours, private and not a link; its parent is not writable by others. */
export function checkPrivateDir(dir: string, opts: { create: boolean }): boolean {
  let st = lstatOrNull(dir);
  if (st === null) {
    if (!opts.create) return false;
    checkParent(dir);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot create ${dir}`, err);
    }
    tightenMode(dir, 'dir');
    st = fs.lstatSync(dir);
  } else checkParent(dir);
  const problem = privateProblem(dir, st, 'dir');
  if (problem) throw problem;
  return true;
}

function checkParent(dir: string): void {
  const parent = path.dirname(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(parent);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot stat ${parent}`, err);
    fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
    return;
  }
  if (st.uid !== uid() && st.uid !== 0)
    throw unsafe(parent, `is owned by uid ${st.uid}, neither you nor root`, 'use a VIGIL_HOME of your own');
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0 /* sticky, like /tmp */) {
    throw unsafe(
      parent,
      `is writable by others (mode ${octal(st.mode)}), who could replace ${path.basename(dir)}/`,
      `chmod go-w ${parent}`,
    );
  }
}

export interface PrivateRead {
  text: string;
  mtimeMs: number;
}

/** The file's text, or null when it does not exist. Refuses (E_CREDENTIAL_UNSAFE) unless `lenient`, which only refuses links and non-files. */
export function readPrivateFile(file: string, opts: { lenient?: boolean } = {}): PrivateRead | null {
  const st = lstatOrNull(file);
  if (st === null) return null;
  const problem = privateProblem(file, st, 'file');
  if (problem && (!opts.lenient || st.isSymbolicLink() || !st.isFile())) throw problem;
  let fd: number;
  try {
    fd = fs.openSync(file, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // ELOOP: a link at open time. It may be gone again by now (a swap race), so that privateProblem finds
    // nothing on a second look: the refusal must not depend on it (it used to throw null, a bare HTTP 500).
    if (code === 'ELOOP') throw loopProblem(file);
    throw ioError(`cannot open ${file}`, err);
  }
  try {
    const fst = fs.fstatSync(fd);
    if (fst.ino !== st.ino || fst.dev !== st.dev)
      throw unsafe(
        file,
        'was replaced while being opened',
        'retry; if it repeats, something else is writing the credential directory',
      );
    const again = privateProblem(file, fst, 'file');
    if (again && !opts.lenient) throw again;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(fd));
    } catch {
      throw unsafe(
        file,
        'is not valid UTF-8 text (systemd would skip its values)',
        'fix the file, or remove it and import the set again',
      );
    }
    return { text, mtimeMs: fst.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/** Atomically replaces dir/name with data, mode 0600, durable once this returns. */
export function writePrivateFileAtomic(dir: string, name: string, data: string): void {
  const target = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, data, 'utf8');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw ioError(`cannot write ${target}`, err);
  }
  syncDir(dir);
}

export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, C.O_RDONLY | C.O_DIRECTORY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * chmod 0600 (file) / 0700 (dir) through a descriptor opened without following links, after checking it
 * is still the entry that was looked at. Returns the mode before. Throws for a link (never followed).
 */
export function tightenMode(p: string, kind: 'file' | 'dir'): number {
  const want = kind === 'dir' ? 0o700 : 0o600;
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink())
    throw unsafe(p, 'is a symbolic link; its target was not touched', 'remove the link');
  const fd = fs.openSync(
    p,
    C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY | (kind === 'dir' ? C.O_DIRECTORY : 0),
  );
  try {
    const fst = fs.fstatSync(fd);
    if (fst.ino !== st.ino || fst.dev !== st.dev)
      throw unsafe(p, 'was replaced while being fixed', 'run it again');
    if (fst.uid !== uid())
      throw unsafe(
        p,
        `is owned by uid ${fst.uid}, not by you (uid ${uid()})`,
        `check who created it; then as root: chown ${uid()} ${p}`,
      );
    if ((fst.mode & 0o7777) !== want) fs.fchmodSync(fd, want);
    return fst.mode & 0o7777;
  } finally {
    fs.closeSync(fd);
  }
}

/** Temp files in dir whose writer is gone (killed mid-write): listed, and removed when `remove`. */
export function staleTemps(dir: string, remove: boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    const p = path.join(dir, n);
    out.push(p);
    if (remove) {
      try {
        fs.unlinkSync(p);
      } catch {
        // gone already
      }
    }
  }
  return out;
}

export function isTempName(name: string): boolean {
  return TEMP_RE.test(name);
}
