/** Rotation progress as the Credentials view shows it, built from `credential-rotation` events. */

export type RotationStep =
  | { kind: 'written'; services: readonly string[] }
  | { kind: 'restarting'; service: string }
  | { kind: 'healthy'; service: string; rollback: boolean }
  | { kind: 'unhealthy'; service: string; reason: string; rollback: boolean }
  | { kind: 'rolling-back'; service: string; reason: string }
  | { kind: 'succeeded' }
  | { kind: 'rolled-back'; reason: string }
  | { kind: 'rollback-failed'; reason: string }
  | { kind: 'failed'; reason: string };

export interface RotationView {
  set: string;
  key: string;
  /** Known once the first event arrives (events of other rotations are ignored). */
  rotationId: string | null;
  steps: readonly RotationStep[];
  done: boolean;
  ok: boolean | null;
  /** The failed service's last log lines (redacted by the agent). */
  logTail: readonly string[];
}
