/**
 * The leak guard: every line of a service's log that Vigil shows (tail, follow, search, crash log tails)
 * goes through `redactLines`, which replaces each value held in the credential store, in any of the
 * encodings agent/core/credentials/redact.ts lists (base64, hex, %XX, any case, …), with `[redacted:<set>/<KEY>]`, and records a `secret-leaked` event the first time each value is seen
 * (idempotency key per set/KEY value, so the database holds one event however often it is seen).
 *
 *   const guard = new LeakGuard({ secrets: () => store.allSecrets(), clock, record });
 *   const safe = guard.redactLines('web', lines, 'log search');
 */
import type { NewEvent } from '../core/events.js';
import {
  createRedactor,
  leakKey,
  secretLeakedEvent,
  type LeakHit,
  type Redactor,
  type SecretRef,
} from '../core/credentials/redact.js';
import type { ProbeResult } from '../core/health/probe.js';
import type { Clock } from '../ports/clock.js';

export interface LeakGuardDeps {
  /** The store's values; called often, so it should be cheap (a cache that refreshes itself). */
  secrets: () => readonly SecretRef[];
  clock: Clock;
  /** Stores (and, in the agent, publishes) the secret-leaked events. Failures are swallowed: showing the log matters more. */
  record: (events: NewEvent[]) => void;
}

export class LeakGuard {
  private compiled: { from: readonly SecretRef[]; redact: Redactor } | null = null;
  private readonly reported = new Set<string>();

  constructor(private readonly deps: LeakGuardDeps) {}

  /** The current redactor (rebuilt when the store's values change). */
  redactor(): Redactor {
    const secrets = this.deps.secrets();
    if (this.compiled?.from !== secrets) this.compiled = { from: secrets, redact: createRedactor(secrets) };
    return this.compiled.redact;
  }

  /** Redacts lines of `service`'s log; the first sighting of each value becomes a secret-leaked event. */
  redactLines(service: string | null, lines: readonly string[], source: string): string[] {
    const redact = this.redactor();
    const hits = new Map<string, LeakHit>();
    const out = lines.map((l) =>
      redact(l, (h) => {
        const k = leakKey(h);
        if (!this.reported.has(k)) hits.set(k, h);
      }),
    );
    if (hits.size > 0) {
      const at = this.deps.clock.now();
      try {
        this.deps.record([...hits.values()].map((h) => secretLeakedEvent(h, { service, source, at })));
        for (const k of hits.keys()) this.reported.add(k);
      } catch {
        // retried at the next sighting
      }
    }
    return out;
  }

  /**
   * A health probe's result with what the service or probe program said redacted (the error quotes an
   * exec probe's last line; `reported` and `checks` come from the /health body): these are shown in the
   * status and stored in events. The prober does not know the service, so its sighting names none.
   */
  redactProbe(result: ProbeResult, source = 'health probe'): ProbeResult {
    const one = (text: string) => this.redactLines(null, [text], source)[0] ?? text;
    const deep = (v: unknown): unknown => {
      if (typeof v === 'string') return one(v);
      if (Array.isArray(v)) return v.map(deep);
      if (v !== null && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [one(k), deep(x)]));
      return v;
    };
    return {
      ...result,
      error: result.error === null ? null : one(result.error),
      reported: result.reported === null ? null : one(result.reported),
      checks: result.checks === null ? null : (deep(result.checks) as Record<string, unknown>),
    };
  }
}
