/** What the agent remembers per service between ticks (persisted, so restarts of the agent add nothing twice). */
import type { ExitInfo } from '../events.js';
import type { ServiceState } from '../status.js';

export interface ServiceSnapshot {
  state: ServiceState;
  active: string;
  pid: number | null;
  restarts: number;
  since: number | null;
  /** Times (ms) of recent failures, newest last, trimmed to the crash-loop window. */
  crashes: number[];
  /** Offset of the exit record that opened the current crash loop (its identity), if in one. */
  loopKey: string | null;
  lastExit: (ExitInfo & { at: number }) | null;
  drifted: boolean;
  /** The newest exit (journal offset and time) after which a restart is due but no run was seen yet. */
  restartDue?: { offset: number; at: number } | null;
}

export function emptySnapshot(): ServiceSnapshot {
  return {
    state: 'unknown',
    active: 'unknown',
    pid: null,
    restarts: 0,
    since: null,
    crashes: [],
    loopKey: null,
    lastExit: null,
    drifted: false,
  };
}

/** Crash-loop rule: this many failures inside the window. */
export interface LoopRule {
  threshold: number;
  windowMs: number;
}

/** Derived from the manifest's restart settings: burst failures within intervalSec (at least 3 in 60 s). */
export function loopRule(restart: { burst: number; intervalSec: number }): LoopRule {
  return {
    threshold: Math.max(2, Math.min(restart.burst, 3)),
    windowMs: Math.max(restart.intervalSec, 60) * 1000,
  };
}
