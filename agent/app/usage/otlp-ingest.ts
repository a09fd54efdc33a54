/**
 * OTLP usage in: a decoded export request → priced ledger entries, attributed by the resource's
 * `service.name`. Cumulative series' last values commit in the same transaction as the entries they
 * produced (core/otlp/deltas.ts), and every entry has an idempotency key, so a retried batch or an agent
 * restart never counts twice. Priced like every other source: a reported cost wins and is marked.
 */
import { createHash } from 'node:crypto';
import type { LedgerEntry } from '../../core/usage/model.js';
import { usdToMicro } from '../../core/usage/model.js';
import { priceUsage, type QuoteFn } from '../../core/usage/pricer.js';
import { groupOf } from '../../core/manifest/replicas.js';
import { mapMetrics } from '../../core/otlp/metrics-map.js';
import { mapLogs } from '../../core/otlp/logs-map.js';
import { usageDeltas, type UsageDraft } from '../../core/otlp/deltas.js';
import type { LogsRequest, MetricsRequest } from '../../core/otlp/wire.js';
import type { OtlpSpec } from '../../core/manifest/otlp-part.js';
import type { Store } from '../../ports/store.js';
import type { UsageLedger } from '../../ports/usage-ledger.js';
import type { Clock } from '../../ports/clock.js';
import { newSourceState, type IngestContext, type SourceState } from './ingest.js';

export const SERIES_KEY = 'usage.otlp.series';

export interface OtlpIngestDeps {
  store: Store;
  ledger: UsageLedger;
  quote: QuoteFn;
  clock: Clock;
  /** Pricing and the budget calendar, as the other sources get them. */
  context(): IngestContext;
  /** The `otlp:` settings (service.name mapping). */
  spec(): OtlpSpec;
  /** Said once per service.name that no manifest service matches (the agent logs it). */
  onNotice?(service: string, message: string): void;
}

/** What one request did: counted by the caller into the HTTP answer. */
export interface OtlpResult {
  stored: LedgerEntry[];
  /** Data points or records that carried usage and were used (a retry's included: they add nothing). */
  accepted: number;
  /** Those that could not be used, by reason. */
  rejected: Record<string, number>;
  /** Metrics with no usage Vigil knows (metrics only). */
  unknownMetrics: string[];
}

const hash = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 22);
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export class OtlpIngester {
  private readonly states = new Map<string, SourceState>();
  private readonly flagged = new Set<string>();

  constructor(private readonly deps: OtlpIngestDeps) {}

  sources(): SourceState[] {
    return [...this.states.values()];
  }

  metrics(req: MetricsRequest): OtlpResult {
    const { store, clock } = this.deps;
    const mapped = mapMetrics(req);
    const now = clock.now();
    const who = this.attribution();
    const stored = store.transaction(() => {
      const prev = store.getState(SERIES_KEY) ?? {};
      const { drafts, next } = usageDeltas(mapped.points, prev, now, hash);
      const rows = this.record(drafts, true, who);
      if (mapped.points.length > 0) store.setState(SERIES_KEY, next);
      return rows;
    });
    this.count(new Set(mapped.points.map((p) => p.serviceName)), stored, mapped.rejected, who);
    return {
      stored,
      accepted: mapped.points.length + mapped.superseded,
      rejected: mapped.rejected,
      unknownMetrics: mapped.unknownMetrics,
    };
  }

  logs(req: LogsRequest): OtlpResult {
    const { store, clock } = this.deps;
    const now = clock.now();
    const mapped = mapLogs(req, now, hash);
    const who = this.attribution();
    const stored = store.transaction(() => this.record(mapped.drafts, false, who));
    this.count(new Set(mapped.drafts.map((d) => d.serviceName)), stored, mapped.rejected, who);
    return { stored, accepted: mapped.drafts.length, rejected: mapped.rejected, unknownMetrics: [] };
  }

  /** The manifest service a resource's usage belongs to: mapped, else a service of that name, else its own. */
  private serviceOf(
    name: string | null,
    names: ReadonlySet<string>,
    spec: OtlpSpec,
  ): { service: string; known: boolean } {
    const n = (name ?? 'unknown_service').slice(0, 200);
    const mapped = spec.services[n];
    if (mapped !== undefined) return { service: mapped, known: true };
    return { service: n, known: names.has(n) };
  }

  /** The manifest's services (a replica's usage is its service's), read once per request. */
  private attribution(): (name: string | null) => { service: string; known: boolean } {
    const names = new Set(this.deps.store.listServices().map((s) => groupOf(s.name)));
    const spec = this.deps.spec();
    const memo = new Map<string | null, { service: string; known: boolean }>();
    return (name) => {
      let got = memo.get(name);
      if (!got) memo.set(name, (got = this.serviceOf(name, names, spec)));
      return got;
    };
  }

  private record(
    drafts: readonly UsageDraft[],
    aggregated: boolean,
    who: (name: string | null) => { service: string; known: boolean },
  ): LedgerEntry[] {
    if (drafts.length === 0) return [];
    const ctx = this.deps.context();
    const entries = drafts.map((d): LedgerEntry => {
      const { service } = who(d.serviceName);
      const local = ctx.calendar.local(d.at);
      const cost = priceUsage(
        {
          model: d.model,
          provider: d.provider,
          at: d.at,
          tokens: d.tokens,
          requests: d.requests,
          reportedMicro: d.reportedUsd === null ? null : usdToMicro(d.reportedUsd),
          aggregated,
        },
        ctx.pricing,
        this.deps.quote,
      );
      return {
        key: d.key,
        at: d.at,
        day: local.day,
        hour: local.hour,
        service,
        model: d.model,
        provider: d.provider,
        source: 'otlp',
        requests: d.requests,
        tokens: d.tokens,
        ...cost,
      };
    });
    return this.deps.ledger.record(entries);
  }

  private count(
    names: ReadonlySet<string | null>,
    stored: readonly LedgerEntry[],
    rejected: Record<string, number>,
    who: (name: string | null) => { service: string; known: boolean },
  ): void {
    const now = this.deps.clock.now();
    for (const name of names) {
      const { service, known } = who(name);
      const st = this.state(service);
      st.at = now;
      if (!known) {
        st.error = `service.name "${service}" is no manifest service and not mapped under otlp.services: its usage is kept under its own name`;
        if (!this.flagged.has(service)) {
          this.flagged.add(service);
          this.deps.onNotice?.(service, st.error);
        }
      }
    }
    for (const e of stored) this.state(e.service).entries++;
    if (sum(rejected) > 0) {
      const st = this.state('otlp');
      st.at = now;
      for (const [why, n] of Object.entries(rejected)) st.reasons[why] = (st.reasons[why] ?? 0) + n;
      st.rejected = sum(st.reasons);
    }
  }

  private state(service: string): SourceState {
    let s = this.states.get(service);
    if (!s) this.states.set(service, (s = newSourceState(service, 'otlp')));
    return s;
  }
}
