/**
 * Does systemd enforce MemoryMax= for this user's units? Only where the memory controller reaches them:
 * a unified (v2) cgroup hierarchy with the memory controller delegated to the user manager
 * (user@UID.service). On cgroup v1 or hybrid hierarchies (memory on a v1 mount, as on many container
 * hosts) systemd never delegates controllers to user units, and MemoryMax= is silently ignored: the agent
 * then enforces `limits.memory` itself (daemon/memory-watch.ts). File reads only, through `read`.
 */
import { readFileSync } from 'node:fs';

export interface MemoryMaxSupport {
  enforced: boolean;
  /** Why, for `vigil doctor` and the logs. */
  why: string;
}

/** Reads a small file; null when it is missing or unreadable. */
export type ReadText = (file: string) => string | null;

export const readTextSync: ReadText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

export function detectMemoryMax(
  read: ReadText,
  uid: number,
  roots: { cgroup?: string; proc?: string } = {},
): MemoryMaxSupport {
  const cg = roots.cgroup ?? '/sys/fs/cgroup';
  const rootControllers = read(`${cg}/cgroup.controllers`);
  if (rootControllers === null) {
    const v1 =
      read(`${cg}/memory/memory.limit_in_bytes`) !== null ||
      read(`${roots.proc ?? '/proc'}/self/cgroup`)?.includes(':memory:') === true;
    return {
      enforced: false,
      why: `${v1 ? 'cgroup v1/hybrid' : 'no unified cgroup root'}: user units get no memory controller, so MemoryMax= is not enforced`,
    };
  }
  const manager = userManagerCgroup(read(`${roots.proc ?? '/proc'}/self/cgroup`), uid);
  const controllers = read(`${cg}${manager}/cgroup.controllers`);
  if (controllers !== null && controllers.split(/\s+/).includes('memory')) {
    return { enforced: true, why: `cgroup v2 with the memory controller delegated to ${manager}` };
  }
  return {
    enforced: false,
    why: `cgroup v2, but the memory controller is not delegated to ${manager}${controllers === null ? ' (not found)' : ''}, so MemoryMax= is not enforced`,
  };
}

/** The user manager's cgroup: from our own cgroup when we run under it, else the standard place. */
function userManagerCgroup(selfCgroup: string | null, uid: number): string {
  const unified =
    selfCgroup
      ?.split('\n')
      .find((l) => l.startsWith('0::'))
      ?.slice(3) ?? '';
  const marker = `/user@${uid}.service`;
  const at = unified.indexOf(marker);
  return at >= 0 ? unified.slice(0, at + marker.length) : `/user.slice/user-${uid}.slice/user@${uid}.service`;
}

/**
 * Who enforces `limits.memory` on this machine: systemd (MemoryMax= holds), or the agent (launchd, or
 * systemd where MemoryMax= is ignored). VIGIL_MEMORY_ENFORCEMENT=agent|systemd overrides the detection
 * (e.g. to have the agent enforce on a cgroup v2 host).
 */
export function memoryEnforcementHere(
  backend: 'systemd' | 'launchd',
  env: NodeJS.ProcessEnv,
  read: ReadText = readTextSync,
): { by: 'systemd' | 'agent'; why: string } {
  const forced = env.VIGIL_MEMORY_ENFORCEMENT;
  if (forced === 'agent' || forced === 'systemd')
    return { by: forced, why: `VIGIL_MEMORY_ENFORCEMENT=${forced}` };
  if (backend === 'launchd') return { by: 'agent', why: 'launchd enforces no memory limit' };
  const s = detectMemoryMax(read, process.getuid?.() ?? 0);
  return { by: s.enforced ? 'systemd' : 'agent', why: s.why };
}
