/**
 * The credential store (files `$VIGIL_HOME/credentials/<set>.env`, 0600, in a 0700 directory) and its
 * ledger (locks and the audit trail, in SQLite). Values go into the store and come out only to be loaded
 * by services, compared by the leak guard or scrubbed from Vigil's own logs.
 */
import type { CredentialEntry, EnvProblem } from '../core/credentials/envfile.js';
import type { SecretRef } from '../core/credentials/redact.js';

export interface CredentialSetFile {
  set: string;
  path: string;
  entries: CredentialEntry[];
  /** Lines that could not be read (a hand edit); a set with problems is not rewritten. */
  problems: EnvProblem[];
  /** The file's mtime (ms): the date of keys the file does not date itself. */
  mtimeMs: number;
}

/** A kept previous version of a set. */
export interface CredentialVersion {
  id: string;
  /** When it was replaced (ms). */
  at: number;
}

export interface CredentialStore {
  readonly dir: string;
  /** Path of a set's file (whether or not it exists). */
  pathOf(set: string): string;
  /** Names of the sets that have a file, sorted. Throws E_CREDENTIAL_UNSAFE for an unsafe directory. */
  listSets(): string[];
  /** The set, or null when it has no file. Throws E_CREDENTIAL_UNSAFE for a refused state (symlink, owner, mode). */
  read(set: string): CredentialSetFile | null;
  /**
   * Replaces the set atomically (temp file 0600, fsync, rename, directory fsync). The content it replaces
   * is kept as a version first; returns that version's id (null when the set was new).
   */
  write(set: string, entries: readonly CredentialEntry[]): { previous: string | null };
  /** Kept versions, newest first (at most KEEP_VERSIONS). */
  versions(set: string): CredentialVersion[];
  /** Makes a kept version current again (the content it replaces is kept in turn). */
  restore(set: string, versionId: string): void;
  /**
   * Every value in the store, current and kept versions, for the leak guard and log scrubbing. Lenient:
   * files that cannot be read are skipped (never followed through a link).
   */
  allSecrets(): SecretRef[];
}

export type AuditAction = 'set' | 'remove' | 'import' | 'rotate';
export type AuditOutcome =
  'in-progress' | 'done' | 'succeeded' | 'rolled-back' | 'rollback-failed' | 'interrupted';
/** Who changed a credential: the unix socket (the CLI), the bearer token (a program), a browser session. */
export type Actor = 'cli' | 'api' | 'ui';

/** One change to the store: who, what (key names only), which services, the outcome. Never a value. */
export interface AuditRecord {
  id: string;
  startedAt: number;
  finishedAt: number | null;
  actor: Actor;
  action: AuditAction;
  set: string;
  keys: string[];
  /** Services restarted (rotation). */
  services: string[];
  outcome: AuditOutcome;
  /** The service whose health failed the rotation. */
  failedService: string | null;
  reason: string | null;
  durationMs: number | null;
}

export interface AuditQuery {
  set?: string;
  limit?: number;
}

export interface CredentialLedger {
  /**
   * Takes the per-set write lock (across processes) or throws E_LOCKED naming the holder; a lock whose
   * process is gone is taken over (its in-progress audit record becomes "interrupted").
   */
  lock(set: string, holder: Actor): { release(): void };
  begin(
    record: Omit<AuditRecord, 'finishedAt' | 'durationMs' | 'outcome' | 'failedService' | 'reason'> & {
      outcome?: AuditOutcome;
    },
  ): void;
  finish(
    id: string,
    patch: {
      outcome: AuditOutcome;
      services?: string[];
      failedService?: string | null;
      reason?: string | null;
      finishedAt: number;
    },
  ): void;
  /** Newest first. */
  list(q?: AuditQuery): AuditRecord[];
}
