/**
 * The credential store inside the agent: the store, a cache of its values (for the log scrubber of the
 * agent's own logger and the leak guard), the leak guard itself (for every reader of service logs:
 * crash log tails here, `services.credentials.guard.redactLines(...)` for the log routes), the module that
 * refreshes the cache every tick, and the API handlers (list, set, remove, rotate, audit).
 */
import type { NewEvent } from '../core/events.js';
import type { Context } from './compose.js';
import type { LogTailReader } from '../ports/log-reader.js';
import type { HealthProber } from '../ports/health-prober.js';
import type { AgentModule, AgentRuntime } from './module.js';
import type { CredentialApiHandlers } from '../api/handlers-credentials.js';
import { FsCredentialStore } from '../adapters/credentials/fs-store.js';
import { SecretCache } from '../adapters/credentials/secret-cache.js';
import { processAlive } from '../adapters/process/alive.js';
import { KindProber } from '../adapters/probe/kind-prober.js';
import { LeakGuard } from '../app/leak-guard.js';
import { fromDatabase, listCredentials, removeKey, setKeys, type CredentialDeps } from '../app/credentials.js';
import { rotateCredentials } from '../app/rotate.js';

export class CredentialRuntime {
  readonly store: FsCredentialStore;
  readonly cache: SecretCache;
  /** Redacts service log lines; records secret-leaked events once bound to the supervisor. */
  readonly guard: LeakGuard;
  private record: ((events: NewEvent[]) => void) | null = null;

  constructor(ctx: Pick<Context, 'paths' | 'clock'>) {
    this.store = new FsCredentialStore(ctx.paths.credentials, () => ctx.clock.now());
    this.cache = new SecretCache(this.store);
    this.guard = new LeakGuard({
      secrets: () => this.cache.secrets(),
      clock: ctx.clock,
      record: (events) => this.record?.(events),
    });
  }

  /** Where events go (the supervisor, which stores and publishes them). */
  bind(record: (events: NewEvent[]) => void): void {
    this.record = record;
  }

  /** Every value in the store (for pino's scrubbing stream). */
  values(): Iterable<string> {
    return this.cache.values();
  }

  /** Redacting wrapper for a log-tail reader (crash events' last lines). */
  redactingTail(read: LogTailReader, source = 'crash log tail'): LogTailReader {
    return async (service, lines, until) => this.guard.redactLines(service, await read(service, lines, until), source);
  }

  /** Redacting wrapper for a health prober (probe errors, /health `status` and `checks` go into events and the status). */
  redactingProber(prober: HealthProber): HealthProber {
    return {
      probe: async (spec, timeoutMs) => this.guard.redactProbe(await prober.probe(spec, timeoutMs)),
      ...(prober.close ? { close: () => prober.close?.() } : {}),
    };
  }
}

/**
 * Writes through the agent refresh the cache at once; this catches the others (an edit by hand, `vigil
 * secrets` run without the agent) within REFRESH_MS, at one directory listing and a stat per file.
 */
export const REFRESH_MS = 5000;

export function credentialModule(services: AgentRuntime): AgentModule {
  let last = -Infinity;
  return {
    name: 'credentials',
    afterTick() {
      const now = services.clock.now();
      if (now - last < REFRESH_MS) return;
      last = now;
      services.credentials.cache.refresh();
    },
  };
}

function deps(services: AgentRuntime): CredentialDeps {
  const { credentials, store, clock, supervisor } = services;
  return {
    store: credentials.store,
    ledger: store.ledgers.credentials({ now: () => clock.now(), alive: processAlive }),
    clock,
    ...fromDatabase(store),
    record: (events) => {
      supervisor.record(events);
      credentials.cache.refresh();
    },
  };
}

export function credentialHandlers(services: AgentRuntime): CredentialApiHandlers {
  const { credentials, ctx, manager } = services;
  return {
    async credentials() {
      return listCredentials(deps(services));
    },
    async credentialSet(set, key, value, actor) {
      return setKeys(deps(services), set, { [key]: value }, actor);
    },
    async credentialRemove(set, key, actor) {
      return removeKey(deps(services), set, key, actor);
    },
    async credentialRotate(set, req) {
      try {
        return await rotateCredentials(
          { ...deps(services), manager, probe: (p, ms) => new KindProber(ctx.runner).probe(p, ms), readLogTail: ctx.readLogTail },
          { set, values: req.values, actor: req.actor, ...(req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs }), ...(req.stableMs === undefined ? {} : { stableMs: req.stableMs }) },
        );
      } finally {
        credentials.cache.refresh();
      }
    },
    async credentialAudit(q) {
      return { records: deps(services).ledger.list(q) };
    },
  };
}
