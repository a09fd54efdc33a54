/**
 * Vigil refuses to run on a VIGIL_HOME another local user could write: whoever can write it (or its
 * `logs/` or `state/`) can swap a service's log for a file of their own or a link to someone else's file,
 * or forge exit records. The agent, `vigil apply` and `vigil secrets set` check it first
 * (E_HOME_UNSAFE, naming the path and the fix); `vigil doctor --fix` tightens what may be tightened.
 *
 * VIGIL_HOME itself may be a link to a directory of ours (stat); `logs/` and `state/` must be real
 * directories (lstat). Missing ones are fine: they are created 0700 (ensurePrivateDir).
 */
import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../../core/errors.js';
import type { VigilPaths } from '../../core/paths.js';

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');
const myUid = (): number => process.geteuid?.() ?? 0;

function unsafeHome(p: string, why: string, fix: string): VigilError {
  return new VigilError('E_HOME_UNSAFE', `${p} ${why}; Vigil will not run on it — fix: ${fix}`, {
    details: { path: p },
  });
}

/** What is wrong with one of Vigil's directories (null when nothing, or when it does not exist). */
export function homeDirProblem(p: string, opts: { followLink: boolean }): VigilError | null {
  let st: fs.Stats;
  try {
    st = opts.followLink ? fs.statSync(p) : fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new VigilError('E_IO', `cannot check ${p}: ${(err as Error).message}`, { cause: err });
  }
  if (st.isSymbolicLink())
    return unsafeHome(
      p,
      'is a symbolic link (another user could point it anywhere)',
      `replace it with a directory of your own (mkdir -m 700 ${p})`,
    );
  if (!st.isDirectory()) return unsafeHome(p, 'is not a directory', 'move it aside');
  if (st.uid !== myUid())
    return unsafeHome(
      p,
      `is owned by uid ${st.uid}, not by you (uid ${myUid()})`,
      `use a VIGIL_HOME of your own, or as root: chown ${myUid()} ${p}`,
    );
  if ((st.mode & 0o022) !== 0)
    return unsafeHome(
      p,
      `is writable by other users (mode ${octal(st.mode)})`,
      `vigil doctor --fix (or chmod 700 ${p})`,
    );
  return null;
}

/** Throws E_HOME_UNSAFE when VIGIL_HOME, logs/ or state/ is not private enough to run on. */
export function assertPrivateHome(paths: Pick<VigilPaths, 'home' | 'logs' | 'exits'>): void {
  const problem =
    homeDirProblem(paths.home, { followLink: true }) ??
    homeDirProblem(paths.logs, { followLink: false }) ??
    homeDirProblem(path.dirname(paths.exits), { followLink: false });
  if (problem) throw problem;
}

/**
 * What a backend prepares before it installs services: logs/, credentials/ and the exit journal's directory
 * 0700 whatever the umask (another user who can write logs/ or state/ could swap a log or forge exits), the
 * home checked, and each launcher log made 0600 first (systemd's StandardError=append: and launchd's
 * StandardErrorPath create files with the job's umask, 0644; made first, they stay 0600).
 */
export function preparePrivateHome(
  paths: Pick<VigilPaths, 'home' | 'logs' | 'exits' | 'credentials'>,
  launcherLogs: readonly string[],
): void {
  ensurePrivateDir(paths.logs, { tighten: true });
  ensurePrivateDir(paths.credentials);
  ensurePrivateDir(path.dirname(paths.exits), { tighten: true });
  assertPrivateHome(paths);
  for (const file of launcherLogs) ensurePrivateFile(file);
}

/**
 * Creates `dir` (and missing parents) 0700 whatever the umask: mkdir's mode is filtered by the umask, so
 * every directory it created is chmodded to exactly 0700 after. With `tighten`, an existing `dir` of ours
 * that others may only read (an older Vigil made logs/ 0755) is made 0700 too; one others can write, or
 * that is a link or someone else's, is left for assertPrivateHome to refuse and doctor to report (what is
 * in it may not be ours).
 */
export function ensurePrivateDir(dir: string, opts: { tighten?: boolean } = {}): void {
  const first = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) {
    if (opts.tighten) {
      const st = fs.lstatSync(dir);
      if (st.isDirectory() && st.uid === myUid() && (st.mode & 0o077) !== 0 && (st.mode & 0o022) === 0)
        fs.chmodSync(dir, 0o700);
    }
    return;
  }
  for (let d = dir; ; d = path.dirname(d)) {
    fs.chmodSync(d, 0o700);
    if (d === first || path.dirname(d) === d) break;
  }
}

/**
 * Creates `file` 0600 if missing (O_NOFOLLOW: a link is refused) and tightens an existing one of ours that
 * others could read; refuses one another user owns or can write. For files another program opens after
 * us (systemd's StandardError=append: creates with the unit's umask, 0644 by default).
 */
export function ensurePrivateFile(file: string): void {
  const C = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, C.O_WRONLY | C.O_APPEND | C.O_CREAT | C.O_NOFOLLOW | C.O_NONBLOCK, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw unsafeHome(file, 'is a symbolic link', `remove it (rm ${file})`);
    throw new VigilError('E_IO', `cannot create ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw unsafeHome(file, 'is not a regular file', `move it aside`);
    if (st.uid !== myUid())
      throw unsafeHome(
        file,
        `is owned by uid ${st.uid}, not by you (uid ${myUid()})`,
        `check who put it there, then move it aside (mv ${file} ${file}.suspect)`,
      );
    if ((st.mode & 0o022) !== 0)
      throw unsafeHome(
        file,
        `is writable by other users (mode ${octal(st.mode)})`,
        `vigil doctor --fix (or chmod 600 ${file})`,
      );
    if ((st.mode & 0o7777) !== 0o600) fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}
