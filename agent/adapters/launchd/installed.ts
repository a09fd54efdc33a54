/**
 * The LaunchAgents Vigil installed for this VIGIL_HOME (read from ~/Library/LaunchAgents), and the small
 * state file of services Vigil gave up on (launchd has no start limit; see status-map.ts).
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/write-atomic.js';
import { VigilError } from '../../core/errors.js';
import type { VigilPaths } from '../../core/paths.js';
import { INSTALLED_NAME_RE } from '../../core/manifest/names.js';
import type { InstalledUnit } from '../../ports/service-manager.js';
import { buildPlist, isDict, parsePlistFile, plistHash, readMarkers, MARKER_KEY } from './plist-render.js';
import type { GaveUp, KeepAliveMode } from './status-map.js';

export interface InstalledPlist extends InstalledUnit {
  label: string;
  keepAlive: KeepAliveMode;
  /** The plist's ExitTimeOut (launchd's default, 20 s, when absent): how long a stop may take. */
  exitTimeOutSec: number;
}

/** Every plist in `dir` whose marker names this VIGIL_HOME, by service name. */
export async function scanInstalled(dir: string, paths: VigilPaths): Promise<Map<string, InstalledPlist>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw ioError(`cannot list ${dir}`, err);
  }
  const out = new Map<string, InstalledPlist>();
  for (const name of names.filter((n) => n.endsWith('.plist')).sort()) {
    const file = path.join(dir, name);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') continue;
      throw ioError(`cannot read ${file}`, err);
    }
    if (!data.includes(MARKER_KEY)) continue;
    const dict = parsePlistFile(data);
    if (!dict) continue;
    const m = readMarkers(dict);
    if (
      m.home !== paths.home ||
      m.service === null ||
      !INSTALLED_NAME_RE.test(m.service) ||
      m.service === 'agent'
    )
      continue;
    const label = typeof dict.Label === 'string' ? dict.Label : name.replace(/\.plist$/, '');
    const actualHash = plistHash(dict);
    const ka = dict.KeepAlive;
    out.set(m.service, {
      service: m.service,
      unit: label,
      label,
      path: file,
      content: data.subarray(0, 6).toString('latin1') === 'bplist' ? buildPlist(dict) : data.toString('utf8'),
      recordedHash: m.hash,
      actualHash,
      drifted: m.hash !== actualHash,
      keepAlive: ka === true ? 'always' : isDict(ka) ? 'on-failure' : 'no',
      exitTimeOutSec: typeof dict.ExitTimeOut === 'number' && dict.ExitTimeOut > 0 ? dict.ExitTimeOut : 20,
    });
  }
  return out;
}

export function gaveUpPath(paths: VigilPaths): string {
  return path.join(path.dirname(paths.exits), 'launchd-gave-up.json');
}

export async function readGaveUp(paths: VigilPaths): Promise<Record<string, GaveUp>> {
  try {
    const v: unknown = JSON.parse(await readFile(gaveUpPath(paths), 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, GaveUp>) : {};
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return {};
    throw ioError('cannot read the launchd state file', err);
  }
}

/** Applies `change` to the gave-up records and writes them back (atomically, 0600). */
export async function updateGaveUp(
  paths: VigilPaths,
  change: (all: Record<string, GaveUp>) => boolean,
): Promise<void> {
  const all = await readGaveUp(paths);
  if (!change(all)) return;
  const file = gaveUpPath(paths);
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    if (Object.keys(all).length === 0) {
      await rm(file, { force: true });
      return;
    }
    await writeFileAtomic(file, `${JSON.stringify(all)}\n`, 0o600);
  } catch (err) {
    throw ioError('cannot write the launchd state file', err);
  }
}

export function ioError(message: string, err: unknown): VigilError {
  return new VigilError('E_SERVICE_MANAGER', `${message}: ${(err as Error).message}`, { cause: err });
}
