/**
 * `vigil doctor` checks of `logs/` and `state/`: each a real directory of ours, mode 0700, and every file
 * in it (service logs, launcher logs, the exit journal and its pending slots, end-of-run files) a regular
 * file of ours, one link, mode 0600. With --fix, modes are tightened through a descriptor opened without
 * following links (tightenMode); links, other owners and hard links are reported with the fix, never
 * "fixed": their content may be another user's (the launcher refuses them, exit 78; the agent refuses to
 * read such an exit journal).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { VigilPaths } from '../../core/paths.js';
import { tightenMode } from '../../adapters/credentials/private-file.js';
import type { Check } from './doctor.js';

const octal = (m: number) => (m & 0o7777).toString(8).padStart(4, '0');
const me = () => process.geteuid?.() ?? 0;

function problem(
  p: string,
  st: fs.Stats,
  kind: 'file' | 'dir',
): { message: string; fix: string; fixable: boolean } | null {
  const want = kind === 'dir' ? 0o700 : 0o600;
  if (st.isSymbolicLink())
    return {
      message: `${p} is a symbolic link; Vigil does not write through links (the launcher refuses it, exit 78)`,
      fix: `rm ${p}${kind === 'dir' ? ` && mkdir -m 700 ${p}` : ''}`,
      fixable: false,
    };
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile())
    return {
      message: `${p} is not a ${kind === 'dir' ? 'directory' : 'regular file'}`,
      fix: `move it aside`,
      fixable: false,
    };
  if (st.uid !== me())
    return {
      message: `${p} is owned by uid ${st.uid}, not by you (uid ${me()}); its content may be theirs`,
      fix: `check who put it there, then move it aside (mv ${p} ${p}.suspect)`,
      fixable: false,
    };
  if (kind === 'file' && st.nlink > 1)
    return {
      message: `${p} has ${st.nlink} hard links; writing it writes another file too`,
      fix: `mv ${p} ${p}.suspect`,
      fixable: false,
    };
  if ((st.mode & 0o077) !== 0) {
    const others = (st.mode & 0o022) !== 0 ? 'writable' : 'readable';
    return {
      message: `${p} is ${others} by other users (mode ${octal(st.mode)}); it must be ${octal(want)}`,
      fix: `vigil doctor --fix (or chmod ${octal(want).slice(1)} ${p})`,
      fixable: true,
    };
  }
  return null;
}

function checkOne(name: string, p: string, kind: 'file' | 'dir', fix: boolean): Check | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return null;
  }
  const found = problem(p, st, kind);
  if (found === null) return null;
  if (found.fixable && fix) {
    try {
      const before = tightenMode(p, kind);
      return {
        name,
        level: 'ok',
        message: `${p} was mode ${octal(before)}, now ${kind === 'dir' ? '0700' : '0600'} (fixed)`,
      };
    } catch (err) {
      return { name, level: 'fail', message: (err as Error).message };
    }
  }
  return { name, level: 'fail', message: found.message, fix: found.fix };
}

/** logs/ and state/ and the files in them. */
export function privateDirChecks(paths: Pick<VigilPaths, 'logs' | 'exits'>, fix: boolean): Check[] {
  const out: Check[] = [];
  let files = 0;
  for (const [name, dir] of [
    ['logs dir', paths.logs],
    ['state dir', path.dirname(paths.exits)],
  ] as const) {
    const c = checkOne(name, dir, 'dir', fix);
    if (c) out.push(c);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (!st.isDirectory()) continue;
    for (const entry of fs.readdirSync(dir).sort()) {
      files++;
      const file = path.join(dir, entry);
      const label =
        file === paths.exits ? 'exit journal' : name === 'logs dir' ? `log ${entry}` : `state ${entry}`;
      const fc = checkOne(label, file, 'file', fix);
      if (fc) out.push(fc);
    }
  }
  const failed = out.some((c) => c.level === 'fail');
  if (!failed)
    out.push({
      name: 'logs and state',
      level: 'ok',
      message: `${paths.logs} and ${path.dirname(paths.exits)}: ${files} file(s), all private (0700 / 0600, yours)`,
    });
  return out;
}
