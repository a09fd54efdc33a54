/** Turns what the manager reports (plus the agent's memory of recent crashes) into the status document. Pure. */
import type { ObservedStatus } from '../observed.js';
import type { ServiceStatus } from '../status.js';
import { decodeExit } from './decode.js';
import { deriveState, managerGaveUp, restartsDone } from './detect.js';
import type { Intent } from '../intent.js';
import type { LoopRule, ServiceSnapshot } from './model.js';

export function serviceStatus(args: {
  name: string;
  unit: string;
  observed: ObservedStatus;
  snapshot: ServiceSnapshot | undefined;
  policy: 'always' | 'on-failure' | 'no';
  rule: LoopRule;
  drifted: boolean;
  now: number;
  /** Its `healthy` dependencies (spec.waitFor), so that the launcher giving up on them reads as such. */
  waitsFor?: readonly string[];
  intent?: Intent | null;
  /** The service's stopTimeoutSec (clients wait that long for a stop). */
  stopTimeoutSec?: number;
  /** Its start timeout, when it waits for healthy dependencies (clients wait that long for a start). */
  startTimeoutSec?: number;
}): ServiceStatus {
  const { observed: o, snapshot: snap } = args;
  const recentCrashes = (snap?.crashes ?? []).filter((t) => t > args.now - args.rule.windowMs).length;
  const gaveUp = managerGaveUp(o, args.policy, args.intent ?? null);
  const state = deriveState(o, recentCrashes >= args.rule.threshold || gaveUp);
  const exit = launcherGaveUp(snap?.lastExit ?? observedExit(o), args.waitsFor ?? []);
  return {
    name: args.name,
    unit: args.unit,
    state,
    pid: o.pid,
    restarts: gaveUp ? restartsDone(o) : o.restarts,
    since: o.since === null ? null : new Date(o.since).toISOString(),
    lastExit: exit ? { code: exit.code, signal: exit.signal, reason: exit.reason } : null,
    health: 'unknown',
    drifted: args.drifted,
    // vigil-launch's STATUS= while it waits for a healthy dependency (systemd only).
    ...(state === 'starting' && o.note?.startsWith('waiting for ') ? { waiting: o.note } : {}),
    // No process, no memory or CPU: what the manager still reports (a cgroup being torn down) is not the service's.
    memoryBytes: o.pid === null ? null : o.memoryBytes,
    cpuNsec: o.pid === null ? null : o.cpuNsec,
    ...(args.stopTimeoutSec === undefined ? {} : { stopTimeoutSec: args.stopTimeoutSec }),
    ...(args.startTimeoutSec === undefined ? {} : { startTimeoutSec: args.startTimeoutSec }),
    ...(args.waitsFor && args.waitsFor.length > 0 ? { waitsFor: [...args.waitsFor] } : {}),
  };
}

/** vigil-launch exits 75 when a healthy dependency was not healthy in time (agent/launcher/waitdep.c). */
export const LAUNCHER_DEPENDENCY_TIMEOUT = 75;

function launcherGaveUp<E extends { code: number | null; reason: string }>(
  exit: E | null,
  waitsFor: readonly string[],
): E | null {
  if (exit === null || waitsFor.length === 0 || exit.code !== LAUNCHER_DEPENDENCY_TIMEOUT) return exit;
  const which = waitsFor.length === 1 ? waitsFor[0] : `one of ${waitsFor.join(', ')}`;
  return {
    ...exit,
    reason: `not started: ${which} was not healthy in time (vigil-launch gave up, exit 75; see its log)`,
  };
}

function observedExit(o: ObservedStatus) {
  if (!o.lastExit) return null;
  const how = o.lastExit.signal ? 'killed' : o.lastExit.code !== null ? 'exited' : 'unknown';
  return decodeExit({ result: o.result, how, code: o.lastExit.code, signal: o.lastExit.signal });
}
