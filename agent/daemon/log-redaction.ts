/**
 * Where service log lines meet the credential store: every line Vigil serves from a service's log (tail,
 * search, follow; API and CLI) passes through the redactor made here, which replaces each value held in
 * the store, in any of the encodings it knows, with [redacted:<set>/<KEY>] (agent/core/credentials/redact.ts).
 */
import { existsSync } from 'node:fs';
import type { SecretRef } from '../core/credentials/redact.js';
import type { NewEvent } from '../core/events.js';
import type { VigilPaths } from '../core/paths.js';
import type { Clock } from '../ports/clock.js';
import { FsCredentialStore } from '../adapters/credentials/fs-store.js';
import { SqliteStore } from '../adapters/sqlite/sqlite-store.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { LeakGuard } from '../app/leak-guard.js';
import type { RedactFor } from '../adapters/logs/reader.js';
import type { AgentServices } from './module.js';

/** In the agent: the leak guard (cached values; the first sighting of a value records a secret-leaked event). */
export function agentLogRedaction(services: Pick<AgentServices, 'credentials'>): RedactFor {
  return (service, source) => (line) => services.credentials.guard.redactLines(service, [line], source)[0] ?? line;
}

/**
 * In the CLI without an agent: the store's values as they are now, and a value's first sighting recorded
 * in the database (when there is one) as the same secret-leaked event the agent records (same key: once).
 */
export function directLogRedaction(paths: Pick<VigilPaths, 'credentials' | 'db'>, clock: Clock = systemClock): RedactFor {
  let secrets: readonly SecretRef[] | null = null;
  const guard = new LeakGuard({
    secrets: () => (secrets ??= new FsCredentialStore(paths.credentials).allSecrets()),
    clock,
    record: (events) => recordInDatabase(paths.db, events),
  });
  return (service, source) => (line) => guard.redactLines(service, [line], source)[0] ?? line;
}

function recordInDatabase(db: string, events: NewEvent[]): void {
  if (!existsSync(db)) return;
  const store = SqliteStore.open(db);
  try {
    store.appendEvents(events);
  } finally {
    store.close();
  }
}
