/**
 * The credential use cases (app/credentials.ts, app/rotate.ts) wired to their adapters, once for both
 * processes: the agent's credential routes and the CLI without an agent (cli/secrets-deps.ts). They
 * differ only in where events go and in the database (the CLI may have none yet).
 */
import { VigilError } from '../core/errors.js';
import type { NewEvent } from '../core/events.js';
import type { CredentialLedger, CredentialStore } from '../ports/credentials.js';
import type { Store } from '../ports/store.js';
import { processAlive } from '../adapters/process/alive.js';
import { KindProber } from '../adapters/probe/kind-prober.js';
import { fromDatabase, type CredentialDeps } from '../app/credentials.js';
import type { RotateDeps } from '../app/rotate.js';
import type { Context } from './compose.js';

const readOnly = (): never => {
  throw new VigilError('E_STORE', 'internal: a credential command without a database tried to write');
};
/** Without a database: nothing to lock or audit, and an empty trail. */
const readOnlyLedger: CredentialLedger = {
  lock: readOnly,
  begin: readOnly,
  finish: readOnly,
  list: () => [],
};

export function credentialDeps(
  ctx: Pick<Context, 'clock'>,
  parts: { store: CredentialStore; db: Store | null; record: (events: NewEvent[]) => void },
): CredentialDeps {
  return {
    store: parts.store,
    ledger: parts.db
      ? parts.db.ledgers.credentials({ now: () => ctx.clock.now(), alive: processAlive })
      : readOnlyLedger,
    clock: ctx.clock,
    ...fromDatabase(parts.db),
    record: parts.record,
  };
}

/** What a rotation needs besides: the manager to restart services, the health probes, the log tails. */
export function rotateDeps(
  ctx: Pick<Context, 'manager' | 'runner' | 'readLogTail'>,
  deps: CredentialDeps,
): RotateDeps {
  return {
    ...deps,
    manager: ctx.manager,
    probe: (p, ms) => new KindProber(ctx.runner).probe(p, ms),
    readLogTail: ctx.readLogTail,
  };
}
