/**
 * The leak guard for commands that show a service's log themselves (`vigil logs`): each line through the
 * store's values, and the first sighting of a value recorded as a `secret-leaked` event in the database
 * (when there is one; the same idempotency key as the agent's, so a sighting is stored once).
 */
import { existsSync } from 'node:fs';
import { vigilPaths } from '../core/paths.js';
import type { NewEvent } from '../core/events.js';
import type { SecretRef } from '../core/credentials/redact.js';
import { FsCredentialStore } from '../adapters/credentials/fs-store.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { LeakGuard } from '../app/leak-guard.js';
import type { Io } from './io.js';

export interface LinesGuard {
  (lines: readonly string[]): string[];
  /** Waits until the secret-leaked events of the lines seen so far are stored. */
  flush(): Promise<void>;
}

export function cliLeakGuard(io: Io, service: string, source: string): LinesGuard {
  const paths = vigilPaths(io.env);
  let secrets: readonly SecretRef[] | null = null;
  let pending: Promise<void> = Promise.resolve();
  const guard = new LeakGuard({
    secrets: () => (secrets ??= new FsCredentialStore(paths.credentials).allSecrets()),
    clock: systemClock,
    record: (events) => {
      pending = pending.then(() => recordDirect(paths.db, events)).catch((err: unknown) => io.err(`warning: could not record a secret-leaked event: ${(err as Error).message}\n`));
    },
  });
  const fn = (lines: readonly string[]) => guard.redactLines(service, lines, source);
  return Object.assign(fn, { flush: () => pending });
}

async function recordDirect(db: string, events: NewEvent[]): Promise<void> {
  if (!existsSync(db)) return;
  // Loaded only when a secret was actually seen: `vigil logs` stays light otherwise.
  const { SqliteStore } = await import('../adapters/sqlite/sqlite-store.js');
  const store = SqliteStore.open(db);
  try {
    store.appendEvents(events);
  } finally {
    store.close();
  }
}
