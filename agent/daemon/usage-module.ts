/**
 * The agent's usage feature (one AgentModule): ingests token usage from logs, metrics and LiteLLM on an
 * interval, prices it, evaluates budgets (alerts, enforcement through the service manager), spikes and
 * runaways, publishes today's spend and the budget glance into the status document (after each
 * evaluation), and exports spend and budget on /metrics.
 * Its alerts are events (the UI and SSE show them) and, when the monitor module is present, notifications
 * through the configured channels (desktop, webhooks).
 */
import type { VigilEvent } from '../core/events.js';
import type { StatusDoc } from '../core/status.js';
import type { Notification } from '../core/alerts/model.js';
import { noticeTitle } from '../core/alerts/notice-title.js';
import { serviceLogPath } from '../core/paths.js';
import { UsageIngester, type SourceState } from '../app/usage/ingest.js';
import type { LedgerEntry } from '../core/usage/model.js';
import { BudgetEnforcer } from '../app/usage/budget.js';
import { UsageWatch } from '../app/usage/watch.js';
import { budgetStatus, metricsBudget } from '../app/usage/query.js';
import { calendarFor, loadUsageSettings, timeZoneOf } from '../app/usage/settings.js';
import { monthDays } from '../core/usage/tz.js';
import type { PriceCatalog } from '../ports/price-catalog.js';
import type { ChunkParser, UsageLogReader, MetricsFetcher } from '../ports/usage-sources.js';
import type { QuoteFn } from '../core/usage/pricer.js';
import type { UsageMetrics, UsageMetricsSource } from '../adapters/metrics/usage-metrics.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { UsageLedger } from '../ports/usage-ledger.js';
import type { Sample } from '../core/usage/prom-text.js';
import type { AgentModule, AgentRuntime } from './module.js';

/** What the monitor module offers other features: its notification queue. */
export interface NotifyingModule extends AgentModule {
  /** Notices go through the alert engine, so quiet hours hold the non-critical ones for the digest. */
  alerting: { notify(n: Notification, now: number): void };
  /** The metric alert rules read the usage scrapes of metrics.url too (one fetch for both). */
  metricAlerts?: { feed(service: ServiceRecord, url: string, samples: readonly Sample[], at: number): void };
}

/** What the module works through, built by its factory (createUsageModule), known here by their ports. */
export interface UsageAdapters {
  /** Services' log files, read a chunk at a time. */
  reader: UsageLogReader;
  /** The chunk parser, pricing with `quote`. */
  parser(quote: QuoteFn): ChunkParser;
  /** Scrapes of metrics.url and LiteLLM. */
  fetcher: MetricsFetcher;
  catalog: PriceCatalog;
  /** Spend and budget on /metrics. */
  metrics(source: UsageMetricsSource): UsageMetrics;
  /** The machine's zone's name for replies. */
  systemZone(): string;
}

export interface UsageModuleOptions {
  /** Budgets are evaluated at least this often (ms); env VIGIL_BUDGET_EVAL_MS, default 30 s. */
  evaluateEveryMs?: number;
}

export class UsageModule implements AgentModule {
  readonly name = 'usage';
  readonly ledger: UsageLedger;
  readonly ingester: UsageIngester;
  readonly enforcer: BudgetEnforcer;
  readonly watch: UsageWatch;
  readonly catalog: PriceCatalog;
  private metrics: UsageMetrics | null = null;
  /** Sources of other modules (the OTLP listener), listed with the ingester's in `vigil usage`. */
  private readonly moreSources: (() => SourceState[])[] = [];
  private readonly parser: ChunkParser;
  readonly systemZone: () => string;

  constructor(
    private readonly s: AgentRuntime,
    store: Store,
    private readonly notifying: NotifyingModule | null,
    private readonly adapters: UsageAdapters,
    opts: UsageModuleOptions = {},
  ) {
    const catalog = (this.catalog = adapters.catalog);
    this.systemZone = adapters.systemZone;
    this.ledger = store.ledgers.usage();
    const record = (events: Parameters<typeof s.supervisor.record>[0]) =>
      s.supervisor.record(events, (rows) => this.notify(rows));
    const quote = (model: string, provider: string | null, at: number) => catalog.quote(model, provider, at);
    // Parsed on the agent's thread, a CHUNK_BYTES chunk (a few ms) at a time: a parsing worker thread cost
    // more memory (its own V8 heap and copy of the price table, ~60 MB RSS while a backlog was read) than the
    // agent's whole budget for ingestion (test/bench/RESULTS-usage.md §3).
    this.parser = adapters.parser(quote);
    this.ingester = new UsageIngester({
      store,
      ledger: this.ledger,
      reader: adapters.reader,
      fetcher: adapters.fetcher,
      quote,
      clock: s.clock,
      logPath: (service) => serviceLogPath(s.ctx.paths, service),
      parser: this.parser,
      onNotice: (service, message) => s.logger.warn({ service }, message),
      onScrape: (service, url, samples, at) => {
        const rec = notifying?.metricAlerts
          ? store.listServices().find((x) => x.name === service)
          : undefined;
        if (rec) notifying!.metricAlerts!.feed(rec, url, samples, at);
      },
    });
    this.enforcer = new BudgetEnforcer({ store, ledger: this.ledger, manager: s.manager, record });
    this.watch = new UsageWatch({
      store,
      ledger: this.ledger,
      ingester: this.ingester,
      enforcer: this.enforcer,
      clock: s.clock,
      record,
      onEntries: (entries) => {
        this.metrics?.count(entries);
        s.heap?.worked(entries.length); // the lines and entries behind them are garbage now
      },
      prepare: () => catalog.ready(),
      onError: (err, what) => s.logger.warn({ err: (err as Error).message }, `${what} failed`),
      evaluateEveryMs: opts.evaluateEveryMs ?? (Number(s.ctx.env.VIGIL_BUDGET_EVAL_MS) || 30_000),
      onSummary: () => s.status.publish('spend', this.watch.summary()),
    });
    s.status.publish('spend', this.watch.summary());
  }

  start(): void {
    const { store } = this.s;
    const today = () => calendarFor(timeZoneOf(loadUsageSettings(store))).day(this.s.clock.now());
    this.metrics = this.adapters.metrics({
      today: () => this.ledger.pairs(today(), today()),
      month: () => this.ledger.spendByService(monthDays(today().slice(0, 7))[0], today()),
      budget: () =>
        metricsBudget(
          budgetStatus({ store, ledger: this.ledger, systemZone: this.systemZone }, this.s.clock.now()),
        ),
    });
  }

  /** Every usage source's state: the ingester's and those other modules added. */
  sources(): SourceState[] {
    return [...this.ingester.sources(), ...this.moreSources.flatMap((f) => f())];
  }

  addSources(f: () => SourceState[]): void {
    this.moreSources.push(f);
  }

  /** Entries another module stored (the OTLP listener): counted on /metrics like the ingester's. */
  stored(entries: readonly LedgerEntry[]): void {
    this.metrics?.count(entries);
  }

  nextTickInMs(now: number): number | null {
    return this.watch.nextRoundInMs(now);
  }

  afterTick(status: StatusDoc, events: readonly VigilEvent[]): void {
    this.watch.observe(status, events);
  }

  async stop(): Promise<void> {
    await this.watch.close();
    await this.parser.close();
    await this.ingester.closeReader();
    this.metrics?.unregister();
  }

  /** Budget alerts also go out as notifications, when the monitor module (and its channels) is there. */
  private notify(inserted: VigilEvent[]): VigilEvent[] {
    if (!this.notifying) return inserted;
    for (const e of inserted) {
      if (e.severity === 'info') continue;
      this.notifying.alerting.notify(
        {
          id: `usage:${e.key}`,
          kind: 'firing',
          severity: e.severity,
          title: noticeTitle(e.type, e.message),
          text: e.message,
          service: e.service,
          rule: null,
          alertKey: null,
          at: e.at,
        },
        e.at,
      );
    }
    return inserted;
  }
}
