/**
 * Usage ingestion: log events and scraped counters → priced ledger entries. Every batch of entries commits in
 * one transaction with the position it was read up to (a log cursor, or a scrape's counter values), so a
 * crash at any moment neither loses nor repeats usage: what was committed is never read again, what was not
 * is read again and, by its idempotency key, stored once.
 */
import type { UsageSpec, PricingSpec } from '../../core/manifest/usage.js';
import type { LedgerEntry, SourceKind } from '../../core/usage/model.js';
import { priceUsage, type QuoteFn } from '../../core/usage/pricer.js';
import type { ChunkJob, ParsedChunk } from '../../core/usage/chunk.js';
import { parsePrometheusText, type Sample } from '../../core/usage/prom-text.js';
import { counterDeltas, type CounterState } from '../../core/usage/counters.js';
import { agentCounters, litellmCounters, seriesValues, windowUsage } from '../../core/usage/scrape-map.js';
import type { Calendar } from '../../core/usage/tz.js';
import type { Store } from '../../ports/store.js';
import type { UsageLedger } from '../../ports/usage-ledger.js';
import type { ChunkParser, LogChunk, LogCursor, LogReader, MetricsFetcher } from '../../ports/usage-sources.js';
import type { Clock } from '../../ports/clock.js';

export const CHUNK_BYTES = 1024 * 1024;
export const SCRAPE_TIMEOUT_MS = 5000;

export interface IngestDeps {
  store: Store;
  ledger: UsageLedger;
  reader: LogReader;
  fetcher: MetricsFetcher;
  quote: QuoteFn;
  clock: Clock;
  /** The log file of a service ($VIGIL_HOME/logs/<name>.log). */
  logPath(service: string): string;
  /** Bytes read (and committed) per transaction; default CHUNK_BYTES. */
  chunkBytes?: number;
  /** Parses chunks of log bytes (the agent's parses a backlog in a worker thread). */
  parser: ChunkParser;
  /** Sees every successful scrape's samples (the metric alert rules read them instead of scraping again). */
  onScrape?: (service: string, url: string, samples: readonly Sample[], at: number) => void;
}

export interface IngestContext {
  pricing: PricingSpec | undefined;
  calendar: Calendar;
}

export interface SourceState {
  service: string;
  kind: SourceKind;
  ok: boolean;
  /** Last attempt (ms). */
  at: number;
  error: string | null;
  /** Entries stored by this source since the agent started. */
  entries: number;
  /** Usage lines that could not be used (bad shape), since the agent started. */
  rejected: number;
  /** A log read stopped at its chunk budget with more to read. */
  more: boolean;
}

interface StoredCursor {
  path: string;
  cursor: LogCursor;
}

export const cursorKey = (service: string) => `usage.cursor.${service}`;
export const countersKey = (service: string, kind: 'metrics' | 'litellm') => `usage.counters.${service}.${kind}`;

export class UsageIngester {
  private readonly states = new Map<string, SourceState>();

  constructor(private readonly deps: IngestDeps) {}

  sources(): SourceState[] {
    return [...this.states.values()];
  }

  /** The last log read of this service stopped at its chunk budget: there is more to read. */
  hasMore(service: string): boolean {
    return this.states.get(`${service}\u0000log`)?.more ?? false;
  }

  private state(service: string, kind: SourceKind): SourceState {
    const id = `${service}\u0000${kind}`;
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = { service, kind, ok: true, at: 0, error: null, entries: 0, rejected: 0, more: false }));
    return s;
  }

  /**
   * Reads the service's log from its cursor to the end, one transaction per chunk. `maxChunks` bounds the
   * work of one call (the agent comes back on its next round); `onStored` sees each chunk's new entries
   * (they are not kept: a backlog of millions of lines streams through). Returns how many were stored.
   */
  async ingestLog(
    service: string,
    spec: UsageSpec,
    ctx: IngestContext,
    opts: { maxChunks?: number; onStored?: (entries: readonly LedgerEntry[]) => void } = {},
  ): Promise<number> {
    const maxChunks = opts.maxChunks ?? Infinity;
    const { store, ledger, reader, clock } = this.deps;
    const file = spec.log?.path ?? this.deps.logPath(service);
    const st = this.state(service, 'log');
    const saved = store.getState<StoredCursor>(cursorKey(service));
    const cursor = saved && saved.path === file ? saved.cursor : null;
    let stored = 0;
    st.at = clock.now();
    const bytes = this.deps.chunkBytes ?? CHUNK_BYTES;
    const job = (): ChunkJob => ({ service, provider: spec.provider ?? null, pricing: ctx.pricing, timezone: ctx.calendar.timeZone, now: clock.now() });
    // A pipeline: while chunk k is committed (synchronously, on this thread), chunk k+1 is already being
    // parsed (in the parser's worker) and chunk k+2 read. Only what is committed moves the cursor.
    const read = (from: LogCursor | null) => reader.read(file, from, bytes);
    let reading = read(cursor);
    let parsing: Promise<{ chunk: LogChunk; parsed: ParsedChunk } | null> | null = null;
    const dispatch = async (): Promise<void> => {
      const chunk = await reading;
      if (chunk) reading = read(chunk.next);
      parsing = chunk ? this.deps.parser.parse(chunk, job()).then((parsed) => ({ chunk, parsed })) : Promise.resolve(null);
    };
    try {
      st.more = false;
      await dispatch();
      for (let n = 0; ; n++) {
        const got = await parsing!;
        if (!got) break;
        const { chunk, parsed } = got;
        if (n + 1 >= maxChunks) st.more = true;
        else await dispatch();
        st.rejected += parsed.rejected;
        if (parsed.error !== null) st.error = `${file}: ${parsed.error}`;
        const next: StoredCursor = { path: file, cursor: chunk.next };
        const inserted = store.transaction(() => {
          const rows = ledger.record(parsed.entries);
          store.setState(cursorKey(service), next);
          return rows;
        });
        stored += inserted.length;
        if (inserted.length > 0) opts.onStored?.(inserted);
        if (st.more) break;
      }
      st.ok = true;
      if (st.rejected === 0) st.error = null;
    } catch (err) {
      // reads and parses started ahead are abandoned
      reading.catch(() => undefined);
      (parsing as Promise<unknown> | null)?.catch(() => undefined);
      st.ok = false;
      st.error = `${file}: ${(err as Error).message}`;
      throw err;
    } finally {
      st.entries += stored;
    }
    reading.catch(() => undefined); // a read past a maxChunks stop is not used
    return stored;
  }

  /**
   * One scrape of a Prometheus endpoint (the service's own `agent_*` counters, or a LiteLLM proxy's): counter
   * deltas since the last scrape become one entry per (service, model). A failed scrape stores nothing.
   */
  async scrape(service: string, spec: UsageSpec, kind: 'metrics' | 'litellm', url: string, ctx: IngestContext): Promise<LedgerEntry[]> {
    const { store, ledger, clock } = this.deps;
    const st = this.state(service, kind);
    st.at = clock.now();
    let text: string;
    try {
      text = await this.deps.fetcher.fetch(url, SCRAPE_TIMEOUT_MS);
    } catch (err) {
      st.ok = false;
      st.error = `${url}: ${(err as Error).message}`;
      return [];
    }
    const now = clock.now();
    const { samples } = parsePrometheusText(text);
    try {
      this.deps.onScrape?.(service, url, samples, now);
    } catch {
      // a reader's failure is its own; the usage is still stored
    }
    const infos =
      kind === 'metrics'
        ? agentCounters(samples, service)
        : litellmCounters(samples, { keyAliases: spec.litellm?.keyAliases ?? {}, teams: spec.litellm?.teams ?? {} }, service);
    const start = samples.find((s) => s.name === 'process_start_time_seconds')?.value ?? null;
    const key = countersKey(service, kind);
    const stored = store.transaction(() => {
      const prev = store.getState<CounterState>(key);
      const { deltas, next } = counterDeltas(prev, seriesValues(infos), start, now);
      const local = ctx.calendar.local(now);
      const entries: LedgerEntry[] = windowUsage(infos, deltas).map((w) => {
        const provider = w.provider ?? (kind === 'metrics' ? (spec.provider ?? null) : null);
        const cost = priceUsage({ ...w, provider, at: now, aggregated: true }, ctx.pricing, this.deps.quote);
        return {
          key: `${kind}:${service}:${w.service}:${w.model}:${now}`,
          at: now,
          day: local.day,
          hour: local.hour,
          service: w.service,
          model: w.model,
          provider,
          source: kind,
          requests: w.requests,
          tokens: w.tokens,
          ...cost,
        };
      });
      const inserted = ledger.record(entries);
      store.setState(key, next);
      return inserted;
    });
    st.ok = true;
    st.error = null;
    st.entries += stored.length;
    return stored;
  }
}
