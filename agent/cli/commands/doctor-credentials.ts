/**
 * `vigil doctor` checks of the credential store: the directory (0700, ours, not a link), every set file
 * and kept version (0600, ours, regular, one link), leftover temp files, unreadable lines, overdue sets.
 * With --fix, modes that may be tightened are tightened through a descriptor opened without following
 * links; links, other owners and hard links are reported, never "fixed".
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from '../../core/credentials/envfile.js';
import type { VigilPaths } from '../../core/paths.js';
import type { CredentialsDoc } from '../../core/credentials/model.js';
import { HISTORY_DIR } from '../../adapters/credentials/fs-store.js';
import { fromDatabase, listCredentials } from '../../app/credentials.js';
import type { Context } from '../../daemon/compose.js';
import {
  isTempName,
  privateProblem,
  readPrivateFile,
  tightenMode,
} from '../../adapters/credentials/private-file.js';
import { processAlive } from '../../adapters/process/alive.js';
import type { Check } from './doctor.js';

const octal = (m: number) => (m & 0o777).toString(8).padStart(3, '0');

/** One path: ok, fixed (with --fix), or the problem with its fix. */
export function privatePathCheck(name: string, p: string, kind: 'file' | 'dir', fix: boolean): Check | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return null;
  }
  const problem = privateProblem(p, st, kind);
  if (problem === null) return null;
  const fixable =
    !st.isSymbolicLink() &&
    (kind === 'dir' ? st.isDirectory() : st.isFile()) &&
    st.uid === (process.getuid?.() ?? 0) &&
    (st.mode & 0o077) !== 0 &&
    (kind === 'dir' || st.nlink === 1);
  if (fixable && fix) {
    try {
      const before = tightenMode(p, kind);
      return {
        name,
        level: 'ok',
        message: `${p} was mode ${octal(before)}, now ${kind === 'dir' ? '700' : '600'} (fixed)`,
      };
    } catch (err) {
      return { name, level: 'fail', message: (err as Error).message };
    }
  }
  const [what, how] = problem.message.split(' — fix: ');
  return {
    name,
    level: 'fail',
    message: what!,
    fix: fixable ? `vigil doctor --fix (or chmod ${kind === 'dir' ? '700' : '600'} ${p})` : how!,
  };
}

export function credentialChecks(
  paths: Pick<VigilPaths, 'credentials'>,
  fix: boolean,
  doc: CredentialsDoc | null,
): Check[] {
  const dir = paths.credentials;
  const checks: Check[] = [];
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return [{ name: 'credentials', level: 'ok', message: `no credential sets yet (${dir})` }];
  }
  const dirCheck = privatePathCheck('credentials dir', dir, 'dir', fix);
  if (dirCheck) checks.push(dirCheck);
  if (!st.isDirectory() || st.isSymbolicLink()) return checks;
  let files = 0;
  for (const sub of [dir, path.join(dir, HISTORY_DIR)]) {
    if (sub !== dir) {
      const c = privatePathCheck('credentials history dir', sub, 'dir', fix);
      if (c) checks.push(c);
    }
    let names: string[];
    try {
      names = fs.readdirSync(sub).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const p = path.join(sub, n);
      if (isTempName(n)) {
        const pid = Number(/tmp-(\d+)-/.exec(n)?.[1]);
        if (!processAlive(pid))
          checks.push({
            name: 'credential temp file',
            level: 'warn',
            message: `${p} was left by a writer that was killed mid-write (mode ${octal(fs.lstatSync(p).mode)})`,
            fix: 'nothing to do: the next write removes it',
          });
        continue;
      }
      if (!n.endsWith('.env')) continue;
      files++;
      const c = privatePathCheck(
        sub === dir ? `credential set ${n.slice(0, -4)}` : 'kept credential version',
        p,
        'file',
        fix,
      );
      if (c) {
        checks.push(c);
        if (c.level !== 'ok') continue;
      }
      if (sub !== dir) continue;
      try {
        const r = readPrivateFile(p);
        const bad = r ? parseEnv(r.text, 'systemd').problems[0] : undefined;
        if (bad)
          checks.push({
            name: `credential set ${n.slice(0, -4)}`,
            level: 'warn',
            message: `${p}:${bad.line}: ${bad.message}`,
            fix: 'correct that line; Vigil does not rewrite a set it cannot fully read',
          });
      } catch (err) {
        checks.push({
          name: `credential set ${n.slice(0, -4)}`,
          level: 'fail',
          message: (err as Error).message,
        });
      }
    }
  }
  for (const s of doc?.sets ?? []) {
    const old = s.keys.filter((k) => k.overdue);
    if (old.length > 0) {
      checks.push({
        name: `credential set ${s.set}`,
        level: 'warn',
        message: `${old.map((k) => `${k.key} (${k.ageDays} days)`).join(', ')} older than rotateAfterDays ${s.rotateAfterDays}`,
        fix: `vigil secrets rotate ${s.set} ${old[0]!.key}`,
      });
    }
  }
  if (checks.every((c) => c.level === 'ok'))
    checks.push({
      name: 'credentials',
      level: 'ok',
      message: `${files} file(s) in ${dir}: directory 0700, files 0600, no links`,
    });
  return checks;
}

/** The checks with the overdue information from the database (when there is one). */
export function credentialDoctor(
  ctx: Pick<Context, 'paths' | 'clock' | 'existingStore' | 'credentials'>,
  fix: boolean,
): Check[] {
  let doc: CredentialsDoc | null = null;
  try {
    const store = ctx.credentials;
    const noLedger = (): never => {
      throw new Error('read-only');
    };
    doc = listCredentials({
      store,
      ledger: { lock: noLedger, begin: noLedger, finish: noLedger, list: () => [] },
      clock: ctx.clock,
      ...fromDatabase(ctx.existingStore()),
      record: () => undefined,
    });
  } catch {
    // the per-file checks say what is wrong
  }
  return credentialChecks(ctx.paths, fix, doc);
}
