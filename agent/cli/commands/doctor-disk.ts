/**
 * `vigil doctor`'s space report: free space on VIGIL_HOME's file system and where it went (logs/, state/,
 * the database with its -wal/-shm, the biggest files), exit records kept on a full disk, and the agent's
 * disk-full condition. Reads only: it has to work on a full disk.
 */
import { lstatSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describeSpace, formatBytes, FULL_BELOW_BYTES } from '../../core/disk/condition.js';
import type { DiskStatus, SpaceInfo } from '../../core/disk/condition.js';
import type { VigilPaths } from '../../core/paths.js';
import type { DiskSpace } from '../../ports/disk-space.js';
import { PEND_SLOT, PEND_SLOTS } from '../../adapters/fs/pending-exits.js';
import type { Check } from './doctor.js';

const LOW_FREE_BYTES = 1024 ** 3;
/** A walk of VIGIL_HOME stops after this many entries (the report says so). */
const MAX_ENTRIES = 20_000;

export interface SpaceUse {
  /** Bytes on disk (allocated blocks) by part: logs/, state/, the database, everything else. */
  logs: number;
  state: number;
  database: number;
  other: number;
  /** The biggest files, largest first. */
  biggest: { file: string; bytes: number }[];
  truncated: boolean;
}

/** Sums allocated bytes under VIGIL_HOME by part (lstat: links are not followed). */
export function spaceUse(paths: VigilPaths): SpaceUse {
  const use: SpaceUse = { logs: 0, state: 0, database: 0, other: 0, biggest: [], truncated: false };
  const files: { file: string; bytes: number }[] = [];
  let seen = 0;
  const dbFiles = new Set([paths.db, `${paths.db}-wal`, `${paths.db}-shm`]);
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (++seen > MAX_ENTRIES) {
        use.truncated = true;
        return;
      }
      const p = path.join(dir, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      const bytes = st.blocks * 512;
      if (dbFiles.has(p)) use.database += bytes;
      else if (p.startsWith(paths.logs + path.sep)) use.logs += bytes;
      else if (p.startsWith(path.dirname(paths.exits) + path.sep)) use.state += bytes;
      else use.other += bytes;
      files.push({ file: path.relative(paths.home, p), bytes });
    }
  };
  walk(paths.home);
  use.biggest = files
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .filter((f) => f.bytes > 0);
  return use;
}

/** Exit records waiting in `<journal>.pending` (slots whose first byte is set). */
export function pendingExitCount(exits: string): number {
  const file = `${exits}.pending`;
  if (!existsSync(file)) return 0;
  try {
    const buf = readFileSync(file);
    let n = 0;
    for (let i = 0; i < PEND_SLOTS && i * PEND_SLOT < buf.length; i++) if (buf[i * PEND_SLOT] !== 0) n++;
    return n;
  } catch {
    return 0;
  }
}

function whereItWent(u: SpaceUse): string {
  const parts = `logs/ ${formatBytes(u.logs)}, state/ ${formatBytes(u.state)}, database ${formatBytes(u.database)}, other ${formatBytes(u.other)}`;
  const big = u.biggest.length
    ? `; biggest: ${u.biggest.map((b) => `${b.file} ${formatBytes(b.bytes)}`).join(', ')}`
    : '';
  return `${parts}${big}${u.truncated ? ` (first ${MAX_ENTRIES} entries only)` : ''}`;
}

/** The space checks; `agentDisk` is the running agent's condition (null when no agent answers). */
export function diskChecks(paths: VigilPaths, space: DiskSpace, agentDisk: DiskStatus | null): Check[] {
  const dir = existsSync(paths.home) ? paths.home : path.dirname(paths.home);
  const info: SpaceInfo | null = space.space(dir);
  const use = existsSync(paths.home) ? spaceUse(paths) : null;
  const where = use ? ` — VIGIL_HOME uses ${whereItWent(use)}` : '';
  const checks: Check[] = [];
  if (info === null)
    checks.push({
      name: 'disk space',
      level: 'warn',
      message: `cannot read the free space under ${dir} (statfs failed)${where}`,
    });
  else if (info.freeBytes < FULL_BELOW_BYTES)
    checks.push({
      name: 'disk space',
      level: 'fail',
      message: `disk full: ${describeSpace(info)}${where}`,
      fix: 'free space (old rotated logs: logs/*.log.N; lower logs.keep or logs.maxBytes in the manifest) or move VIGIL_HOME',
    });
  else if (info.freeBytes < LOW_FREE_BYTES)
    checks.push({
      name: 'disk space',
      level: 'warn',
      message: `${describeSpace(info)}: logs and the database may fill it${where}`,
      fix: 'free space or move VIGIL_HOME',
    });
  else checks.push({ name: 'disk space', level: 'ok', message: `${describeSpace(info)}${where}` });

  const pending = pendingExitCount(paths.exits);
  if (pending > 0)
    checks.push({
      name: 'exit records',
      level: 'warn',
      message: `${pending} exit record(s) kept in ${paths.exits}.pending: the journal could not be written; the agent moves them in once there is space`,
      fix: 'free space; keep the agent running',
    });
  if (agentDisk?.state === 'disk-full')
    checks.push({
      name: 'agent: disk-full',
      level: 'fail',
      message: `since ${agentDisk.since}: ${agentDisk.message ?? 'writes fail'} (${agentDisk.failures} failed write(s), ${agentDisk.pendingEvents} event(s) kept in memory)`,
      fix: 'free space on the file system of VIGIL_HOME; the agent stores what it kept and clears this by itself',
    });
  return checks;
}
