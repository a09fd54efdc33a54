/**
 * The credential store inside the agent: the store, a cache of its values (for the log scrubber of the
 * agent's own logger and the leak guard), the leak guard itself (for every reader of service logs:
 * crash log tails here, `services.credentials.guard.redactLines(...)` for the log routes), the module that
 * refreshes the cache every tick. Its routes (list, set, remove, rotate, audit): credential-routes.ts.
 */
import type { NewEvent } from '../core/events.js';
import type { Context } from './compose.js';
import type { LogTailReader } from '../ports/log-reader.js';
import type { HealthProber } from '../ports/health-prober.js';
import type { AgentModule, AgentRuntime } from './module.js';
import type { FsCredentialStore } from '../adapters/credentials/fs-store.js';
import { SecretCache } from '../adapters/credentials/secret-cache.js';
import { LeakGuard } from '../app/leak-guard.js';

export class CredentialRuntime {
  readonly store: FsCredentialStore;
  readonly cache: SecretCache;
  /** Redacts service log lines; records secret-leaked events once bound to the supervisor. */
  readonly guard: LeakGuard;
  private record: ((events: NewEvent[]) => void) | null = null;

  /** The store is the composition root's (ctx.credentials): one adapter over the files per process. */
  constructor(ctx: Pick<Context, 'credentials' | 'clock'>) {
    this.store = ctx.credentials;
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
    return async (service, lines, until) =>
      this.guard.redactLines(service, await read(service, lines, until), source);
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
    nextTickInMs(now: number) {
      return Math.max(0, last + REFRESH_MS * 12 - now);
    },
    afterTick() {
      const now = services.clock.now();
      if (now - last < REFRESH_MS) return;
      last = now;
      services.credentials.cache.refresh();
    },
  };
}
