/** What a credential rotation reports (CLI --json, API, UI). Names and reasons only, never a value. */

export interface ServiceCheck {
  service: string;
  healthy: boolean;
  /** "healthy (http://…/health)", "exited with code 1 and was restarted…", "not healthy within 30 s (last: health check down: HTTP 503)". */
  reason: string;
  ms: number;
}

export type RotationOutcome = 'succeeded' | 'rolled-back' | 'rollback-failed';

export interface RotationResult {
  id: string;
  set: string;
  keys: string[];
  outcome: RotationOutcome;
  /** Services that load the set, in the order they are restarted (dependsOn order). */
  services: string[];
  /** Each service restarted on the new version, in order, until the first that failed. */
  checks: ServiceCheck[];
  /** The service that failed, why, and its last log lines (redacted). */
  failed: { service: string; reason: string; logTail: string[] } | null;
  /** After a failure: the services restarted again on the previous version, and how they came back. */
  rollback: ServiceCheck[] | null;
  startedAt: string;
  durationMs: number;
}
