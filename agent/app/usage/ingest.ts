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
import { counterDeltas } from '../../core/usage/counters.js';
import { groupOf } from '../../core/manifest/replicas.js';
import { agentCounters, litellmCounters, seriesValues, windowUsage } from '../../core/usage/scrape-map.js';
import type { Calendar } from '../../core/usage/tz.js';
import type { Store } from '../../ports/store.js';
import type { StoredCursor } from '../../ports/state-keys.js';
import type { UsageLedger } from '../../ports/usage-ledger.js';
import type {
  ChunkParser,
  LogChunk,
  LogCursor,
  UsageLogReader,
  MetricsFetcher,
} from '../../ports/usage-sources.js';
import type { Clock } from '../../ports/clock.js';

/**
 * Log bytes read, parsed and committed per transaction. Everything a chunk becomes (its lines, entries and
 * rollup sums) is alive at once, and up to three chunks are in flight (one read ahead, one parsed, one
 * committed): 64 KiB (~250 usage lines) keeps that under a megabyte and each step on the agent's thread to a
 * few milliseconds, while still amortizing a transaction over hundreds of rows (1 MiB chunks held ~10 MB).
 */
export const CHUNK_BYTES = 64 * 1024;
export const SCRAPE_TIMEOUT_MS = 5000;

export interface IngestDeps {
  store: Store;
  ledger: UsageLedger;
  reader: UsageLogReader;
  fetcher: MetricsFetcher;
  quote: QuoteFn;
  clock: Clock;
  /** The log file of a service ($VIGIL_HOME/logs/<name>.log). */
  logPath(service: string): string;
  /** Bytes read (and committed) per transaction; default CHUNK_BYTES. */
  chunkBytes?: number;
  /** Parses chunks of log bytes. */
  parser: ChunkParser;
  /**
   * Said once per service and reason while the agent runs (the agent logs it): a new kind of rejected usage
   * line, or lines lost to rotation. Never a line's content.
   */
  onNotice?(service: string, message: string): void;
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
  /**
   * Lines that mention llm_usage but could not be used, counted exactly (stored with the log cursor, so
   * across agent restarts) since the log was first read; `reasons` splits them by reason.
   */
  rejected: number;
  reasons: Record<string, number>;
  /** Times lines were lost because a log file was rotated away before it was read (stored like rejected). */
  gaps: number;
  /** Why the last of them happened. */
  lastGap: string | null;
  /** A log read stopped at its chunk budget with more to read. */
  more: boolean;
}

/** A source not tried yet. */
export function newSourceState(service: string, kind: SourceKind): SourceState {
  return {
    service,
    kind,
    ok: true,
    at: 0,
    error: null,
    entries: 0,
    rejected: 0,
    reasons: {},
    gaps: 0,
    lastGap: null,
    more: false,
  };
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export const cursorKey = (service: string): `usage.cursor.${string}` => `usage.cursor.${service}`;
export const countersKey = (
  service: string,
  kind: 'metrics' | 'litellm',
): `usage.counters.${string}.${typeof kind}` => `usage.counters.${service}.${kind}`;

export class UsageIngester {
  private readonly states = new Map<string, SourceState>();
  private readonly said = new Set<string>();

  constructor(private readonly deps: IngestDeps) {}

  sources(): SourceState[] {
    return [...this.states.values()];
  }

  /** Lets go of the log files the reader keeps open (the agent stops). */
  closeReader(): Promise<void> {
    return this.deps.reader.close();
  }

  /** The last log read of this service stopped at its chunk budget: there is more to read. */
  hasMore(service: string): boolean {
    return this.states.get(`${service}\u0000log`)?.more ?? false;
  }

  private state(service: string, kind: SourceKind): SourceState {
    const id = `${service}\u0000${kind}`;
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = newSourceState(service, kind)));
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
    const saved = store.getState(cursorKey(service));
    const mine = saved && saved.path === file ? saved : null;
    const cursor = mine?.cursor ?? null;
    const reasons = { ...(mine?.reasons ?? {}) };
    let gaps = mine?.gaps ?? 0;
    let gap = mine?.gap ?? null;
    const show = () => {
      st.reasons = { ...reasons };
      st.rejected = sum(reasons);
      st.gaps = gaps;
      st.lastGap = gap === null ? null : `${file}: ${gap}`;
    };
    show();
    let stored = 0;
    st.at = clock.now();
    const bytes = this.deps.chunkBytes ?? CHUNK_BYTES;
    const job = (): ChunkJob => ({
      service,
      provider: spec.provider ?? null,
      pricing: ctx.pricing,
      timezone: ctx.calendar.timeZone,
      now: clock.now(),
    });
    // A pipeline: while chunk k is committed (synchronously, on this thread), chunk k+1 is already parsed
    // and chunk k+2 being read. Only what is committed moves the cursor.
    const read = (from: LogCursor | null) => reader.read(file, from, bytes);
    let reading = read(cursor);
    let parsing: Promise<{ chunk: LogChunk; parsed: ParsedChunk } | null> | null = null;
    const dispatch = async (): Promise<void> => {
      const chunk = await reading;
      if (chunk) reading = read(chunk.next);
      parsing = chunk
        ? this.deps.parser.parse(chunk, job()).then((parsed) => ({ chunk, parsed }))
        : Promise.resolve(null);
    };
    try {
      st.more = false;
      await dispatch();
      for (let n = 0; ; n++) {
        const got = await parsing!;
        if (!got) break;
        const { chunk, parsed } = got;
        reader.release(chunk); // parsed: its bytes can take the next read
        if (n + 1 >= maxChunks) st.more = true;
        else await dispatch();
        for (const [why, k] of Object.entries(parsed.reasons)) reasons[why] = (reasons[why] ?? 0) + k;
        if (chunk.gap) {
          gaps++;
          gap = chunk.gap;
        }
        const next: StoredCursor = { path: file, cursor: chunk.next, reasons, gaps, gap };
        const inserted = store.transaction(() => {
          const rows = ledger.record(parsed.entries);
          store.setState(cursorKey(service), next);
          return rows;
        });
        reader.committed(file, chunk.next);
        show();
        for (const why of Object.keys(parsed.reasons))
          this.notice(service, `unusable llm_usage lines in ${file}: ${why}`);
        if (chunk.gap) this.notice(service, `usage lines lost in ${file}: ${chunk.gap}`, true);
        stored += inserted.length;
        if (inserted.length > 0) opts.onStored?.(inserted);
        if (st.more) break;
      }
      st.ok = true;
      st.error = null;
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
    // A read past a maxChunks stop is not used (the next call reads it again from the stored cursor).
    reading.then((c) => c && reader.release(c)).catch(() => undefined);
    return stored;
  }

  /** Says a message once per service (`always`: each time; a loss is news every time). */
  private notice(service: string, message: string, always = false): void {
    const id = `${service}\u0000${message}`;
    if (!always) {
      if (this.said.has(id)) return;
      this.said.add(id); // bounded: reasons are a short fixed list
    }
    this.deps.onNotice?.(service, message);
  }

  /**
   * One scrape of a Prometheus endpoint (the service's own `agent_*` counters, or a LiteLLM proxy's): counter
   * deltas since the last scrape become one entry per (service, model). A failed scrape stores nothing.
   */
  async scrape(
    service: string,
    spec: UsageSpec,
    kind: 'metrics' | 'litellm',
    url: string,
    ctx: IngestContext,
  ): Promise<LedgerEntry[]> {
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
        ? agentCounters(samples, groupOf(service))
        : litellmCounters(
            samples,
            { keyAliases: spec.litellm?.keyAliases ?? {}, teams: spec.litellm?.teams ?? {} },
            groupOf(service),
          );
    const start = samples.find((s) => s.name === 'process_start_time_seconds')?.value ?? null;
    const key = countersKey(service, kind);
    const stored = store.transaction(() => {
      const prev = store.getState(key);
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
