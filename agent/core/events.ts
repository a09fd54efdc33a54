/** The event history: what happened to which service, when, and why. */

export type EventType =
  | 'started'
  | 'stopped'
  | 'crashed'
  /** Ended by a SIGTERM that Vigil did not send (a clean exit to the manager); counts toward a crash loop. */
  | 'killed'
  | 'restarted'
  | 'crashloop'
  | 'start-limit-hit'
  | 'oom-killed'
  /** A stop (or restart) took longer than stopTimeoutSec and the service was killed (SIGKILL); not a crash. */
  | 'stop-timeout'
  | 'drift'
  | 'installed'
  | 'updated'
  | 'removed'
  | 'agent-started'
  | 'agent-stopped'
  | 'health-ok'
  | 'health-degraded'
  | 'health-down'
  /** Liveness: restarted by the agent after `health.restartAfterFailures` failed probes in a row. */
  | 'restarted-unhealthy'
  | 'alert-firing'
  | 'alert-resolved'
  | 'secret-leaked'
  | 'credential-changed'
  | 'credential-rotation'
  /** Spend reached a budget threshold (80 %, 100 %…) of a daily, monthly or per-service cap; once per period. */
  | 'budget-threshold'
  /** A service was stopped because its cap (or the global budget) was exceeded. */
  | 'budget-stopped'
  /** `vigil budget resume` (or a new budget period) started a service stopped for spend. */
  | 'budget-resumed'
  /** Spend in the current hour above 2× the trailing hourly average, or above the hourly cap. */
  | 'spend-spike'
  /** A service burning tokens far above its norm, or while crash-looping. */
  | 'runaway'
  /** A model without a known price was used (its cost is not counted); once per model. */
  | 'unpriced-model'
  /** Vigil could not write its files for lack of space (stored once writes work again, at the time it began). */
  | 'disk-full'
  /** Writes to VIGIL_HOME succeed again after a disk-full condition. */
  | 'disk-recovered';

export type Severity = 'info' | 'warning' | 'critical';

/** Why a process died, decoded for people. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Manager result: exit-code, signal, core-dump, oom-kill, start-limit-hit… */
  result: string | null;
  /** One line a human understands: "exited with code 3", "killed (SIGKILL…)", "out of memory". */
  reason: string;
}

export interface NewEvent {
  /** Idempotency key: the same happening always produces the same key, so it is stored once. */
  key: string;
  at: number;
  service: string | null;
  type: EventType;
  severity: Severity;
  message: string;
  exit?: ExitInfo;
  /** The last lines of the service's log at the time (crash events). */
  logTail?: string[];
  data?: Record<string, unknown>;
}

export interface VigilEvent extends NewEvent {
  id: number;
}
