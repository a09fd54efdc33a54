/**
 * The CredentialStore on files: `<dir>/<set>.env` (0600) in `<dir>` (0700), previous versions in
 * `<dir>/.history/<set>.<ms>.env` (0600, last KEEP_VERSIONS per set). See private-file.ts for the checks
 * and the atomic write. Callers serialize writes per set with the ledger's lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../../core/errors.js';
import {
  parseEnv,
  serializeSet,
  setNameProblem,
  type CredentialEntry,
} from '../../core/credentials/envfile.js';
import type { SecretRef } from '../../core/credentials/redact.js';
import type { CredentialSetFile, CredentialStore, CredentialVersion } from '../../ports/credentials.js';
import { checkPrivateDir, readPrivateFile, staleTemps, writePrivateFileAtomic } from './private-file.js';

export const KEEP_VERSIONS = 5;
export const HISTORY_DIR = '.history';
const SET_FILE_RE = /^([a-z0-9][a-z0-9_-]{0,63})\.env$/;
const VERSION_RE = /^([a-z0-9][a-z0-9_-]{0,63})\.(\d{15})\.env$/;

export class FsCredentialStore implements CredentialStore {
  private readonly history: string;

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.history = path.join(dir, HISTORY_DIR);
  }

  pathOf(set: string): string {
    const problem = setNameProblem(set);
    if (problem !== null) throw new VigilError('E_USAGE', problem);
    return path.join(this.dir, `${set}.env`);
  }

  listSets(): string[] {
    if (!checkPrivateDir(this.dir, { create: false })) return [];
    return this.names(this.dir, SET_FILE_RE)
      .map((m) => m[1]!)
      .sort();
  }

  read(set: string): CredentialSetFile | null {
    const file = this.pathOf(set);
    if (!checkPrivateDir(this.dir, { create: false })) return null;
    const r = readPrivateFile(file);
    if (r === null) return null;
    const parsed = parseEnv(r.text, 'systemd');
    return { set, path: file, entries: parsed.entries, problems: parsed.problems, mtimeMs: r.mtimeMs };
  }

  write(set: string, entries: readonly CredentialEntry[]): { previous: string | null } {
    const file = this.pathOf(set);
    let text: string;
    try {
      text = serializeSet(set, entries);
    } catch (err) {
      throw new VigilError('E_USAGE', (err as Error).message);
    }
    checkPrivateDir(this.dir, { create: true });
    checkPrivateDir(this.history, { create: true });
    staleTemps(this.dir, true);
    staleTemps(this.history, true);
    const current = readPrivateFile(file);
    const previous = current === null ? null : this.keep(set, current.text);
    writePrivateFileAtomic(this.dir, `${set}.env`, text);
    this.prune(set);
    return { previous };
  }

  versions(set: string): CredentialVersion[] {
    this.pathOf(set);
    if (!checkPrivateDir(this.dir, { create: false }) || !checkPrivateDir(this.history, { create: false }))
      return [];
    return this.names(this.history, VERSION_RE)
      .filter((m) => m[1] === set)
      .map((m) => ({ id: m[2]!, at: Number(m[2]) }))
      .sort((a, b) => b.at - a.at);
  }

  restore(set: string, versionId: string): void {
    this.pathOf(set);
    if (!/^\d{15}$/.test(versionId)) throw new VigilError('E_USAGE', `"${versionId}" is not a version id`);
    checkPrivateDir(this.history, { create: false });
    const kept = readPrivateFile(path.join(this.history, `${set}.${versionId}.env`));
    if (kept === null)
      throw new VigilError('E_NOT_FOUND', `no kept version ${versionId} of credential set "${set}"`);
    const parsed = parseEnv(kept.text, 'systemd');
    if (parsed.problems.length > 0) {
      throw new VigilError(
        'E_IO',
        `kept version ${versionId} of "${set}" cannot be read: line ${parsed.problems[0]!.line}: ${parsed.problems[0]!.message}`,
      );
    }
    this.write(set, parsed.entries);
  }

  /** Deletes a set and its kept versions (`vigil remove --purge`); links are removed, never followed. Returns the paths removed. */
  purge(set: string): string[] {
    const file = this.pathOf(set);
    const gone: string[] = [];
    const rm = (p: string) => {
      try {
        fs.unlinkSync(p);
        gone.push(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new VigilError('E_IO', `cannot remove ${p}: ${(err as Error).message}`, { cause: err });
      }
    };
    rm(file);
    if (isRealDir(this.history))
      for (const m of this.names(this.history, VERSION_RE))
        if (m[1] === set) rm(path.join(this.history, m[0]));
    return gone;
  }

  allSecrets(): SecretRef[] {
    const out: SecretRef[] = [];
    const add = (file: string, set: string, current: boolean, fallback: number | null) => {
      let r;
      try {
        r = readPrivateFile(file, { lenient: true });
      } catch {
        return;
      }
      if (r === null) return;
      for (const e of parseEnv(r.text, 'systemd').entries) {
        out.push({ set, key: e.key, value: e.value, version: e.updatedAt ?? fallback ?? r.mtimeMs, current });
      }
    };
    if (!isRealDir(this.dir)) return out;
    for (const m of this.names(this.dir, SET_FILE_RE)) add(path.join(this.dir, m[0]), m[1]!, true, null);
    if (isRealDir(this.history)) {
      for (const m of this.names(this.history, VERSION_RE))
        add(path.join(this.history, m[0]), m[1]!, false, Number(m[2]));
    }
    return out;
  }

  /** Keeps `text` as the newest version of `set`; returns its id. */
  private keep(set: string, text: string): string {
    let stamp = this.now();
    for (;;) {
      const id = String(stamp).padStart(15, '0');
      const name = `${set}.${id}.env`;
      // lstat, not exists: a dangling link planted at that name counts as taken (and is never written through).
      let taken = true;
      try {
        fs.lstatSync(path.join(this.history, name));
      } catch {
        taken = false;
      }
      if (!taken) {
        writePrivateFileAtomic(this.history, name, text);
        return id;
      }
      stamp++;
    }
  }

  private prune(set: string): void {
    for (const v of this.versions(set).slice(KEEP_VERSIONS)) {
      try {
        fs.unlinkSync(path.join(this.history, `${set}.${v.id}.env`));
      } catch {
        // gone already
      }
    }
  }

  private names(dir: string, re: RegExp): RegExpExecArray[] {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new VigilError('E_IO', `cannot list ${dir}: ${(err as Error).message}`, { cause: err });
    }
    return names.flatMap((n) => {
      const m = re.exec(n);
      return m ? [m] : [];
    });
  }
}

function isRealDir(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}
