/**
 * A service's log for people (tail, search, follow): written once for the agent's log routes and for
 * `vigil logs` without an agent. Only services installed in the database have a log to show (another name
 * is E_UNKNOWN_SERVICE), and every line goes through the caller's credential redactor: the agent's leak
 * guard, or the store's values read directly.
 */
import type { LogReader } from '../ports/log-reader.js';
import type { Store } from '../ports/store.js';
import { VigilError } from '../core/errors.js';
import { groupOf } from '../core/manifest/replicas.js';

export interface ServiceLogDeps {
  /**
   * The reader over the services' log files, with the caller's redactor (the composition root builds it:
   * FileLogReader), given which services are installed.
   */
  open(installed: (service: string) => boolean): LogReader;
  /** The database, if there is one; read on each check. */
  store(): Store | null;
  /** After each check (the CLI closes the database again: a `vigil logs -f` must not hold it open). */
  release?(): void;
}

export function serviceLogs(deps: ServiceLogDeps): LogReader {
  return deps.open((service) => {
    try {
      const names =
        deps
          .store()
          ?.listServices()
          .map((s) => s.name) ?? [];
      if (names.includes(service)) return true;
      // A replicated service has no log of its own: each instance writes its own, so say which to ask for.
      const instances = names.filter((n) => n !== service && groupOf(n) === service);
      if (instances.length > 0)
        throw new VigilError(
          'E_UNKNOWN_SERVICE',
          `"${service}" runs ${instances.length} replicas, each with its own log: ask for one of ${instances.join(', ')}`,
        );
      return false;
    } finally {
      deps.release?.();
    }
  });
}
