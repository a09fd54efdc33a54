/**
 * The feature tables that live in the Store's database (token usage, resource history, alerts, the
 * credential ledger), offered by the Store itself so that no feature opens or reaches into the database:
 * a feature asks `store.ledgers` for what it needs. Each call makes a new accessor on the same database.
 */
import type { UsageLedger } from './usage-ledger.js';
import type { AlertLog, ResourceHistory } from './monitor-store.js';
import type { CredentialLedger } from './credentials.js';

export interface CredentialLedgerDeps {
  now: () => number;
  /** Whether the process holding a lock is still alive (a lock of a dead one is taken over). */
  alive: (pid: number) => boolean;
  /** This process's id, as the lock holder (default process.pid). */
  pid?: number;
}

export interface StoreLedgers {
  usage(): UsageLedger;
  resourceHistory(): ResourceHistory;
  alertLog(): AlertLog;
  credentials(deps: CredentialLedgerDeps): CredentialLedger;
}
