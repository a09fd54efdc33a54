/** The event history: what happened to which service, when, and why. */

export type EventType =
  | 'started'
  | 'stopped'
  | 'crashed'
  | 'restarted'
  | 'crashloop'
  | 'start-limit-hit'
  | 'oom-killed'
  | 'drift'
  | 'installed'
  | 'updated'
  | 'removed'
  | 'agent-started'
  | 'agent-stopped';

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
