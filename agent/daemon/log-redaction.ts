/**
 * Where service log lines meet the credential store: every line Vigil serves from a service's log (tail,
 * search, follow; API and CLI) passes through the redactor made here, which replaces each value held in
 * the store, in any of the encodings it knows, with [redacted:<set>/<KEY>] (agent/core/credentials/redact.ts).
 */
import type { SecretRef } from '../core/credentials/redact.js';
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { LeakGuard } from '../app/leak-guard.js';
import type { RedactFor } from '../adapters/logs/reader.js';
import type { AgentRuntime } from './module.js';
import type { Context } from './compose.js';

/** In the agent: the leak guard (cached values; the first sighting of a value records a secret-leaked event). */
export function agentLogRedaction(services: Pick<AgentRuntime, 'credentials'>): RedactFor {
  return (service, source) => (line) =>
    services.credentials.guard.redactLines(service, [line], source)[0] ?? line;
}

/**
 * In the CLI without an agent: the store's values as they are now, and a value's first sighting recorded
 * in the database (when there is one) as the same secret-leaked event the agent records (same key: once).
 * The database is closed again after each record: a `vigil logs -f` must not hold it open.
 */
export function directLogRedaction(
  ctx: Pick<Context, 'credentials' | 'existingStore' | 'close'>,
  clock: Clock = systemClock,
): RedactFor {
  let secrets: readonly SecretRef[] | null = null;
  const guard = new LeakGuard({
    secrets: () => (secrets ??= ctx.credentials.allSecrets()),
    clock,
    record: (events) => {
      try {
        ctx.existingStore()?.appendEvents(events);
      } finally {
        ctx.close();
      }
    },
  });
  return (service, source) => (line) => guard.redactLines(service, [line], source)[0] ?? line;
}
