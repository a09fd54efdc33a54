/**
 * The credential ledger on SQLite (migration 2): per-set locks that work across processes (an IMMEDIATE
 * transaction is the compare-and-swap; a lock whose process is gone is taken over) and the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { VigilError } from '../../core/errors.js';
import type {
  Actor,
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  CredentialLedger,
} from '../../ports/credentials.js';
import type { Database } from './db.js';
import type { CredentialLedgerDeps } from '../../ports/store-ledgers.js';

interface AuditRow {
  id: string;
  started_at: number;
  finished_at: number | null;
  actor: string;
  action: string;
  set_name: string;
  keys: string;
  services: string;
  outcome: string;
  failed_service: string | null;
  reason: string | null;
  duration_ms: number | null;
}

interface LockRow {
  holder: string;
  pid: number;
  token: string;
  acquired_at: number;
}

export const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

export class SqliteCredentialLedger implements CredentialLedger {
  constructor(
    private readonly db: Database,
    private readonly deps: CredentialLedgerDeps,
  ) {}

  lock(set: string, holder: Actor): { release(): void } {
    const pid = this.deps.pid ?? process.pid;
    const token = randomBytes(8).toString('hex');
    this.db
      .transaction(() => {
        const row = this.db
          .prepare('SELECT holder, pid, token, acquired_at FROM credential_locks WHERE set_name = ?')
          .get(set) as LockRow | undefined;
        if (row) {
          if (this.deps.alive(row.pid)) {
            throw new VigilError(
              'E_LOCKED',
              `credential set "${set}" is being changed by another ${row.holder === 'ui' ? 'request from the app' : 'command'} (pid ${row.pid}, since ${new Date(row.acquired_at).toISOString()}); try again when it has finished`,
              { details: { set, pid: row.pid } },
            );
          }
          // Its process is gone (killed mid-rotation): what it left in progress is marked interrupted.
          this.db
            .prepare(
              `UPDATE credential_audit SET outcome = 'interrupted', finished_at = ? WHERE set_name = ? AND outcome = 'in-progress'`,
            )
            .run(this.deps.now(), set);
        }
        this.db
          .prepare(
            `INSERT INTO credential_locks (set_name, holder, pid, token, acquired_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (set_name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, token = excluded.token, acquired_at = excluded.acquired_at`,
          )
          .run(set, holder, pid, token, this.deps.now());
      })
      .immediate();
    let released = false;
    return {
      release: () => {
        if (released || !this.db.open) return;
        released = true;
        this.db.prepare('DELETE FROM credential_locks WHERE set_name = ? AND token = ?').run(set, token);
      },
    };
  }

  begin(r: Parameters<CredentialLedger['begin']>[0]): void {
    this.db
      .prepare(
        `INSERT INTO credential_audit (id, started_at, actor, action, set_name, keys, services, outcome)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.id,
        r.startedAt,
        r.actor,
        r.action,
        r.set,
        JSON.stringify(r.keys),
        JSON.stringify(r.services),
        r.outcome ?? 'in-progress',
      );
  }

  finish(id: string, p: Parameters<CredentialLedger['finish']>[1]): void {
    this.db
      .prepare(
        `UPDATE credential_audit SET outcome = @outcome, finished_at = @finishedAt, duration_ms = @finishedAt - started_at,
           services = COALESCE(@services, services), failed_service = @failedService, reason = @reason WHERE id = @id`,
      )
      .run({
        id,
        outcome: p.outcome,
        finishedAt: p.finishedAt,
        services: p.services === undefined ? null : JSON.stringify(p.services),
        failedService: p.failedService ?? null,
        reason: p.reason ?? null,
      });
  }

  list(q: AuditQuery = {}): AuditRecord[] {
    const limit = Math.min(MAX_AUDIT_LIMIT, Math.max(1, Math.floor(q.limit ?? DEFAULT_AUDIT_LIMIT)));
    const rows = (
      q.set === undefined
        ? this.db
            .prepare('SELECT * FROM credential_audit ORDER BY started_at DESC, rowid DESC LIMIT ?')
            .all(limit)
        : this.db
            .prepare(
              'SELECT * FROM credential_audit WHERE set_name = ? ORDER BY started_at DESC, rowid DESC LIMIT ?',
            )
            .all(q.set, limit)
    ) as AuditRow[];
    return rows.map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      actor: r.actor as Actor,
      action: r.action as AuditRecord['action'],
      set: r.set_name,
      keys: JSON.parse(r.keys) as string[],
      services: JSON.parse(r.services) as string[],
      outcome: r.outcome as AuditOutcome,
      failedService: r.failed_service,
      reason: r.reason,
      durationMs: r.duration_ms,
    }));
  }
}
