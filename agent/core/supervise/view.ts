/** Turns what the manager reports (plus the agent's memory of recent crashes) into the status document. Pure. */
import type { ObservedStatus } from '../observed.js';
import type { ServiceStatus } from '../status.js';
import { decodeExit } from './decode.js';
import { deriveState, managerGaveUp } from './detect.js';
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
  /** The service's stopTimeoutSec (clients wait that long for a stop). */
  stopTimeoutSec?: number;
}): ServiceStatus {
  const { observed: o, snapshot: snap } = args;
  const recentCrashes = (snap?.crashes ?? []).filter((t) => t > args.now - args.rule.windowMs).length;
  const gaveUp = managerGaveUp(o, args.policy);
  const state = deriveState(o, recentCrashes >= args.rule.threshold || gaveUp);
  const exit = snap?.lastExit ?? observedExit(o);
  return {
    name: args.name,
    unit: args.unit,
    state,
    pid: o.pid,
    restarts: o.restarts,
    since: o.since === null ? null : new Date(o.since).toISOString(),
    lastExit: exit ? { code: exit.code, signal: exit.signal, reason: exit.reason } : null,
    health: 'unknown',
    drifted: args.drifted,
    memoryBytes: o.memoryBytes,
    cpuNsec: o.cpuNsec,
    ...(args.stopTimeoutSec === undefined ? {} : { stopTimeoutSec: args.stopTimeoutSec }),
  };
}

function observedExit(o: ObservedStatus) {
  if (!o.lastExit) return null;
  const how = o.lastExit.signal ? 'killed' : o.lastExit.code !== null ? 'exited' : 'unknown';
  return decodeExit({ result: o.result, how, code: o.lastExit.code, signal: o.lastExit.signal });
}
