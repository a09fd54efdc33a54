/** The credential use cases wired for a CLI process (no agent): files, the database ledger, the service manager. */
import { VigilError } from '../core/errors.js';
import type { NewEvent } from '../core/events.js';
import { createContext, type Context } from '../daemon/compose.js';
import { credentialDeps, rotateDeps } from '../daemon/credential-wiring.js';
import { requireSetName, type CredentialDeps } from '../app/credentials.js';
import { keyProblem } from '../core/credentials/envfile.js';
import type { RotateDeps } from '../app/rotate.js';
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
    const deps = credentialDeps(ctx, {
      store: ctx.credentials,
      db,
      record: (events) => db?.appendEvents(events),
    });
    return {
      ctx,
      deps,
      rotateDeps: (onEvent) =>
        rotateDeps(ctx, {
          ...deps,
          record: (events) => {
            db?.appendEvents(events);
            for (const e of events) onEvent(e);
          },
        }),
      close: () => ctx.close(),
    };
  } catch (err) {
    ctx.close();
    throw err;
  }
}

/** `<set> <KEY>` exactly; a third argument is refused: it would be a value on the command line. */
export function setAndKey(positionals: string[], usage: string): [string, string] {
  if (positionals.length > 2) {
    throw new VigilError(
      'E_USAGE',
      `too many arguments: never pass a secret value on the command line (ps and your shell history keep it); give it on stdin, e.g.  printf %s "$VALUE" | ${usage.replace(/ \[.*$/, '')}\nusage: ${usage}`,
    );
  }
  const [set, key] = positionals;
  if (!set || !key) throw new VigilError('E_USAGE', `usage: ${usage}`);
  requireSetName(set);
  const kp = keyProblem(key);
  if (kp !== null) throw new VigilError('E_USAGE', kp);
  return [set, key];
}
