/** The StoreLedgers port on the Store's own SQLite database (the tables come from its migrations). */
import type { StoreLedgers } from '../../ports/store-ledgers.js';
import type { Database } from './db.js';
import { SqliteUsageLedger } from './usage-ledger.js';
import { SqliteResourceHistory } from './resource-history.js';
import { SqliteAlertLog } from './alert-log.js';
import { SqliteCredentialLedger } from './credential-ledger.js';

export function sqliteLedgers(db: Database): StoreLedgers {
  return {
    usage: () => new SqliteUsageLedger(db),
    resourceHistory: () => new SqliteResourceHistory(db),
    alertLog: () => new SqliteAlertLog(db),
    credentials: (deps) => new SqliteCredentialLedger(db, deps),
  };
}
