/**
 * Where service log lines meet the credential store: every line Vigil serves from a service's log (tail,
 * search, follow; API and CLI) passes through the redactor made here, which replaces each value held in
 * the store with [redacted:<set>/<KEY>] (agent/core/credentials/redact.ts).
 */
import { createRedactor } from '../core/credentials/redact.js';
import type { VigilPaths } from '../core/paths.js';
import { FsCredentialStore } from '../adapters/credentials/fs-store.js';
import type { RedactFor } from '../adapters/logs/reader.js';
import type { AgentServices } from './module.js';

/** In the agent: the leak guard (cached values; the first sighting of a value records a secret-leaked event). */
export function agentLogRedaction(services: Pick<AgentServices, 'credentials'>): RedactFor {
  return (service, source) => (line) => services.credentials.guard.redactLines(service, [line], source)[0] ?? line;
}

/** In the CLI without an agent: the store's values as they are now (no events: the agent records those). */
export function directLogRedaction(paths: Pick<VigilPaths, 'credentials'>): RedactFor {
  let redact: ((line: string) => string) | null = null;
  return () => (line) => {
    redact ??= createRedactor(new FsCredentialStore(paths.credentials).allSecrets());
    return redact(line);
  };
}
