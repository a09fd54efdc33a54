/**
 * The machine's time zone by name, the way the system itself finds it (TZ, else the /etc/localtime link to a
 * zoneinfo file), without asking Intl. The agent's local days and hours come from Date's getters (LOCAL_ZONE,
 * core/usage/tz.ts); only the zone's name, shown with usage and budgets, needed Intl, and the first
 * Intl.DateTimeFormat in a process pages in ICU's locale data: ~5.5 MB more of node's binary resident for the
 * rest of the agent's life, the first time anyone asked for /api/usage (test/bench/RESULTS-usage.md §5).
 *
 * The name is the system's (TZ=Asia/Kolkata is "Asia/Kolkata", where ICU says "Asia/Calcutta"); UTC's aliases
 * are "UTC", as Intl says. When the system does not name it (a TZ that is a POSIX rule such as "CET-1CEST", an
 * /etc/localtime that is a copy, not a link), `null`: the caller asks Intl then.
 */
import { existsSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { systemTimeZone } from '../../core/usage/tz.js';

/** What the lookup reads (tests give their own). */
export interface ZoneSources {
  env: NodeJS.ProcessEnv;
  /** The target of a symlink; throws when it is not one. */
  readlink(p: string): string;
  exists(p: string): boolean;
}

const nodeSources: ZoneSources = { env: process.env, readlink: readlinkSync, exists: existsSync };

const LOCALTIME = '/etc/localtime';
const ZONEINFO_DIRS = ['/usr/share/zoneinfo', '/var/db/timezone/zoneinfo', '/usr/lib/zoneinfo'];
/** tzdata's names of UTC (backward links), which Intl names "UTC". */
const UTC_ALIASES = new Set([
  'UTC',
  'UCT',
  'GMT',
  'GMT0',
  'GMT+0',
  'GMT-0',
  'Greenwich',
  'Universal',
  'Zulu',
  'Etc/UTC',
  'Etc/UCT',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'Etc/Greenwich',
  'Etc/Universal',
  'Etc/Zulu',
]);
const NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** "…/zoneinfo/Europe/Paris" (also under posix/ or right/) → "Europe/Paris"; null if not under a zoneinfo dir. */
function nameInZoneinfo(file: string): string | null {
  const at = file.lastIndexOf('zoneinfo/');
  if (at === -1) return null;
  const name = file.slice(at + 'zoneinfo/'.length).replace(/^(posix|right)\//, '');
  return NAME.test(name) ? name : null;
}

const canonical = (name: string): string => (UTC_ALIASES.has(name) ? 'UTC' : name);

/** The zone's name as the system gives it, or null when it gives none (see above). */
export function hostZoneName(src: ZoneSources = nodeSources): string | null {
  const tz = src.env.TZ;
  if (tz !== undefined && tz !== '') {
    const value = tz.startsWith(':') ? tz.slice(1) : tz;
    if (value.startsWith('/')) {
      const name = nameInZoneinfo(value);
      return name !== null && src.exists(value) ? canonical(name) : null;
    }
    if (!NAME.test(value)) return null;
    const dirs = src.env.TZDIR ? [src.env.TZDIR, ...ZONEINFO_DIRS] : ZONEINFO_DIRS;
    return dirs.some((d) => src.exists(path.join(d, value))) ? canonical(value) : null;
  }
  if (tz === '') return 'UTC'; // glibc: an empty TZ is UTC
  let target: string;
  try {
    target = src.readlink(LOCALTIME);
  } catch {
    return null; // no /etc/localtime (UTC to glibc, but say so through Intl), or a copy
  }
  const name = nameInZoneinfo(path.resolve(path.dirname(LOCALTIME), target));
  return name === null ? null : canonical(name);
}

let machineZone: string | null = null;

/**
 * The machine's zone's name as every reply shows it (the agent's and the CLI's without an agent alike):
 * the system's, else Intl's. Looked up once per process, as Date's own local zone is.
 */
export function machineZoneName(): string {
  return (machineZone ??= hostZoneName() ?? systemTimeZone());
}
