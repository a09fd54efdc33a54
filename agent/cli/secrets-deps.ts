/** The credential use cases wired for a CLI process (no agent): files, the database ledger, the service manager. */
import { VigilError } from '../core/errors.js';
import type { NewEvent } from '../core/events.js';
import { createContext, type Context } from '../daemon/compose.js';
import { processAlive } from '../adapters/process/alive.js';
import { KindProber } from '../adapters/probe/kind-prober.js';
import { fromDatabase, requireSetName, type CredentialDeps } from '../app/credentials.js';
import { keyProblem } from '../core/credentials/envfile.js';
import type { RotateDeps } from '../app/rotate.js';
import type { CredentialLedger } from '../ports/credentials.js';
import type { Io } from './io.js';

export interface DirectCredentials {
  ctx: Context;
  deps: CredentialDeps;
  rotateDeps(onEvent: (e: NewEvent) => void): RotateDeps;
  close(): void;
}

/**
 * `write`: opens (creating) the database for the lock and the audit trail. Read-only commands use the
 * database only if it exists, and have no ledger.
 */
export async function directCredentials(io: Io, write: boolean): Promise<DirectCredentials> {
  const ctx = await createContext(io.env);
  try {
    const db = write ? ctx.store() : ctx.existingStore();
    const ledger: CredentialLedger = db ? db.ledgers.credentials({ now: () => ctx.clock.now(), alive: processAlive }) : readOnlyLedger;
    const deps: CredentialDeps = {
      store: ctx.credentials,
      ledger,
      clock: ctx.clock,
      ...fromDatabase(db),
      record: (events) => db?.appendEvents(events),
    };
    return {
      ctx,
      deps,
      rotateDeps: (onEvent) => ({
        ...deps,
        record: (events) => {
          db?.appendEvents(events);
          for (const e of events) onEvent(e);
        },
        manager: ctx.manager,
        probe: (p, ms) => new KindProber(ctx.runner).probe(p, ms),
        readLogTail: ctx.readLogTail,
      }),
      close: () => ctx.close(),
    };
  } catch (err) {
    ctx.close();
    throw err;
  }
}

const readOnly = (): never => {
  throw new VigilError('E_STORE', 'internal: a credential command without a database tried to write');
};
const readOnlyLedger: CredentialLedger = { lock: readOnly, begin: readOnly, finish: readOnly, list: () => [] };

/** `<set> <KEY>` exactly; a third argument is refused: it would be a value on the command line. */
export function setAndKey(positionals: string[], usage: string): [string, string] {
  if (positionals.length > 2) {
    throw new VigilError('E_USAGE', `too many arguments: never pass a secret value on the command line (ps and your shell history keep it); give it on stdin, e.g.  printf %s "$VALUE" | ${usage.replace(/ \[.*$/, '')}\nusage: ${usage}`);
  }
  const [set, key] = positionals;
  if (!set || !key) throw new VigilError('E_USAGE', `usage: ${usage}`);
  requireSetName(set);
  const kp = keyProblem(key);
  if (kp !== null) throw new VigilError('E_USAGE', kp);
  return [set, key];
}
