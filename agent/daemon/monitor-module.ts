/**
 * The agent's health, resources and alerts feature (one AgentModule): per tick it probes due services,
 * steps their health, restarts a service that failed `health.restartAfterFailures` probes in a row
 * (liveness), samples CPU/memory every few seconds, runs the alert rules and delivers due notifications;
 * it publishes `health` and the last probe (after each tick and probe result), resources (after each
 * sample) and metric scrapes (after each) into the status document, and exposes the Prometheus metrics.
 */
import type { NewEvent, VigilEvent } from '../core/events.js';
import type { StatusDoc } from '../core/status.js';
import type { AlertsConfig } from '../core/alerts/config.js';
import type { OneShot } from '../core/alerts/engine.js';
import { LOCAL_ZONE } from '../core/usage/tz.js';
import { HealthMonitor } from '../app/health-monitor.js';
import { Liveness } from '../app/liveness.js';
import { IntentRecordingManager } from '../app/service-actions.js';
import { ResourceMonitor } from '../app/resource-monitor.js';
import { Alerting } from '../app/alerting.js';
import { alertViews } from '../app/alert-views.js';
import { MetricAlerts } from '../app/metric-alerts.js';
import { loadUsageSettings } from '../app/usage/settings.js';
import { METRIC_RULE_IDS } from '../core/alerts/metric-rules.js';
import type { MetricsFetcher } from '../ports/usage-sources.js';
import { loadAlertsConfig, type StoredAlerts } from '../app/alerts-config.js';
import type { HealthProber } from '../ports/health-prober.js';
import type { ResourceSampler } from '../ports/resource-sampler.js';
import type { Notifier } from '../ports/notifier.js';
import type { MetricsSource } from '../adapters/metrics/prometheus.js';
import type { ServiceRecord } from '../ports/store.js';
import type { AlertLog, ResourceHistory } from '../ports/monitor-store.js';
import type { AgentModule, AgentRuntime } from './module.js';

export const HEALTH_SNAPSHOTS_KEY = 'health.snapshots';
export const HELD_KEY = 'alerts.held';
export const METRIC_DAILY_KEY = 'alerts.metrics.daily';
const METRIC_IDS: ReadonlySet<string> = new Set(Object.values(METRIC_RULE_IDS));
/** How often service settings and the alert configuration are re-read (ms). */
const RELOAD_MS = 5000;
/** Resource sampling while nothing needs fresh numbers (ms). */
const IDLE_SAMPLE_MS = 60_000;

/** What the module works through, built by its factory (monitor-factory.ts), known here by their ports. */
export interface MonitorAdapters {
  prober: HealthProber;
  sampler: ResourceSampler;
  /** Scrapes of metrics.url for the metric alert rules. */
  fetcher: MetricsFetcher;
  /** The notification channels an alert configuration asks for (its secrets read through `stored`). */
  channels(config: AlertsConfig, stored: () => StoredAlerts): Notifier[];
  /** The Prometheus exposition over the module's readings. */
  metrics(source: MetricsSource): { text(): Promise<string>; contentType: string };
}

export interface MonitorOptions {
  /**
   * Resource sampling interval (ms) while something needs fresh numbers (an event stream is open, a
   * service has limits.memory — the memory rule and OOM evidence read it — or a process has not had the
   * two readings a CPU % needs yet: a new service, a restart); env VIGIL_SAMPLE_MS, default 5000.
   */
  sampleEveryMs?: number;
  /** The interval otherwise (ms); env VIGIL_IDLE_SAMPLE_MS, default 60 000. */
  idleSampleEveryMs?: number;
  timezone?: string;
}

export class MonitorModule implements AgentModule {
  readonly name = 'monitor';
  readonly health: HealthMonitor;
  readonly liveness: Liveness;
  readonly resources: ResourceMonitor;
  readonly alerting: Alerting;
  readonly metricAlerts: MetricAlerts;
  readonly history: ResourceHistory;
  readonly log: AlertLog;
  readonly metrics: { text(): Promise<string>; contentType: string };
  private stored: StoredAlerts;
  private storedJson: string;
  private notifiers: Notifier[] = [];
  private readonly oneShots: OneShot[] = [];
  private unsubscribe: (() => void) | null = null;
  private readonly sampler: ResourceSampler;
  private lastStatus: StatusDoc = { services: [] };
  private recordNames: string | null = null;
  private configAt = 0;
  private hourlyUsd: number | null = null;
  private readonly idleSampleMs: number;
  /**
   * What the last tick saw: services with probes or scrapes, not running or not yet healthy (a stable
   * period or an alert's forSec runs), or an alert firing or pending: then every second, as before.
   */
  private busy = false;
  private needFresh = false;
  private dailySavedAt = 0;

  constructor(
    private readonly s: AgentRuntime,
    tables: { history: ResourceHistory; log: AlertLog },
    private readonly adapters: MonitorAdapters,
    private readonly opts: MonitorOptions = {},
  ) {
    const { store } = s;
    this.health = new HealthMonitor(
      s.credentials.redactingProber(adapters.prober),
      store.getState(HEALTH_SNAPSHOTS_KEY) ?? {},
      () => s.status.publish('health', this.health.part()),
    );
    this.liveness = new Liveness({
      // An intent (its SIGTERM is no `killed`) that keeps the crash episode: a service that hangs again
      // and again is crash-looping, so its liveness restarts must not forgive the failures before them.
      manager: new IntentRecordingManager(s.ctx.rawManager, () => store, s.clock, { keepCrashes: true }),
      record: (events) => s.supervisor.record(events),
      countFailure: (service, at) => s.supervisor.noteFailure(service, at),
      released: (service) => this.health.releaseRestart(service),
      onError: (err, service, what) =>
        s.logger.warn({ err: (err as Error).message, service }, `liveness: ${what} failed`),
      readLogTail: s.credentials.redactingTail(s.ctx.readLogTail, 'liveness log tail'),
    });
    this.history = tables.history;
    this.log = tables.log;
    const everyMs = opts.sampleEveryMs ?? (Number(s.ctx.env.VIGIL_SAMPLE_MS) || 5000);
    this.idleSampleMs = Math.max(
      everyMs,
      opts.idleSampleEveryMs ?? (Number(s.ctx.env.VIGIL_IDLE_SAMPLE_MS) || IDLE_SAMPLE_MS),
    );
    this.sampler = adapters.sampler;
    this.resources = new ResourceMonitor({
      sampler: this.sampler,
      history: this.history,
      everyMs,
      onSample: () => s.status.publish('resources', this.resources.part()),
    });
    this.stored = loadAlertsConfig(store);
    this.storedJson = JSON.stringify(this.stored);
    this.buildNotifiers(this.stored.config);
    const tz = this.timezone(this.stored.config);
    this.alerting = new Alerting(
      {
        log: this.log,
        notifiers: () => this.notifiers,
        loadHeld: () => store.getState(HELD_KEY) ?? [],
        saveHeld: (held) => store.setState(HELD_KEY, held),
        onError: (err, what) => s.logger.warn({ err: (err as Error).message }, what),
      },
      this.stored.config,
      tz,
    );
    this.metricAlerts = new MetricAlerts(
      {
        fetcher: adapters.fetcher,
        onError: (err, what) => s.logger.warn({ err: (err as Error).message }, `${what} failed`),
        onScrape: () => s.status.publish('scrapes', this.metricAlerts.part()),
      },
      store.getState(METRIC_DAILY_KEY) ?? {},
    );
    // Metric alerts still firing when the agent stopped fire on without a new forSec wait (no resolve-and-refire).
    this.metricAlerts.tracker.seed(
      this.alerting.engine.firing().filter((a) => METRIC_IDS.has(a.rule)),
      s.clock.now(),
    );
    this.hourlyUsd = loadUsageSettings(store).budget?.hourlyUsd ?? null;
    // Its parts of the status document, as restored (health snapshots) or empty until the first change.
    s.status.publish('health', this.health.part());
    s.status.publish('resources', this.resources.part());
    s.status.publish('scrapes', this.metricAlerts.part());
    this.metrics = adapters.metrics({
      status: () => s.status.current(),
      probeCounts: (svc) => this.health.probeCounts(svc),
      probeLatencyMs: (svc) => this.health.view(svc)?.probe?.latencyMs ?? null,
      firing: () => this.alerting.engine.firing(),
    });
  }

  start(): void {
    this.unsubscribe = this.s.supervisor.subscribe((e) => this.onEvent(e));
  }

  /** agent-started with no agent-stopped since the previous start: the agent died without stopping. */
  private onEvent(e: VigilEvent): void {
    if (e.type !== 'agent-started') return;
    const recent = this.s.store.queryEvents({ types: ['agent-started', 'agent-stopped'], limit: 2 });
    const before = recent.length === 2 && recent[1]!.id === e.id ? recent[0]! : null;
    if (before?.type === 'agent-started') {
      this.oneShots.push({
        rule: 'agent-restarted',
        at: e.at,
        message: `The Vigil agent restarted at ${new Date(e.at).toISOString()} without a clean stop before (the previous one started ${new Date(before.at).toISOString()})`,
      });
    }
  }

  afterTick(status: StatusDoc): void {
    const { store, clock, logger, supervisor } = this.s;
    const now = clock.now();
    this.lastStatus = status;
    const services = this.servicesAndConfig(status, now);
    const h = this.health.tick(services, status, now);
    this.liveness.restart(h.restarts, now);
    const events: NewEvent[] = [...h.events];
    this.needFresh =
      this.s.supervisor.viewers > 0 || services.some((x) => x.spec.limits.memoryBytes !== undefined);
    this.busy =
      services.some((x) => x.spec.health !== undefined || x.spec.metrics !== undefined) ||
      status.services.some(
        (x) =>
          (x.state !== 'running' && x.state !== 'stopped') ||
          (x.state === 'running' && this.health.view(x.name)?.health !== 'healthy'),
      ) ||
      this.alerting.engine.state().alerts.some((a) => a.firing || a.pending);
    this.resources
      .maybeSample(status, now, this.sampleEveryMs())
      .catch((err: unknown) => logger.warn({ err }, 'resource sampling failed'));
    const states = new Map(status.services.map((x) => [x.name, x.state]));
    const metricConditions = this.metricAlerts.tick(
      services,
      {
        state: (n) => states.get(n),
        memoryBytes: (n) => this.resources.get(n)?.memoryBytes ?? null,
        hourlyUsd: this.hourlyUsd,
      },
      now,
    );
    if (now - this.dailySavedAt >= 60_000) {
      this.dailySavedAt = now;
      store.setState(METRIC_DAILY_KEY, this.metricAlerts.dailySnapshot());
    }
    events.push(
      ...this.alerting.tick({
        // Health straight from the health monitor (what its status part shows), not from the document.
        services: alertViews(
          status,
          (name) => this.health.view(name),
          (name) => supervisor.intentOf(name),
        ),
        oneShots: this.oneShots.splice(0),
        now,
        extra: metricConditions,
      }),
    );
    if (events.length > 0 || h.changed) {
      // Through the write queue: while another process holds the database, this waits and lands later.
      const snapshot = h.changed ? this.health.snapshot() : null;
      supervisor.writes.submit('health and alert events', () =>
        store.transaction(() => {
          if (events.length > 0) supervisor.record(events);
          if (snapshot !== null) store.setState(HEALTH_SNAPSHOTS_KEY, snapshot);
        }),
      );
    }
    this.alerting
      .deliverDue(now)
      .catch((err: unknown) => logger.warn({ err }, 'notification delivery failed'));
  }

  /**
   * Every second while probes, scrapes or alert conditions run on time (as every tick did before);
   * otherwise only when the next resource sample is due.
   */
  nextTickInMs(now: number): number {
    const sample = this.resources.dueInMs(now, this.sampleEveryMs());
    return this.busy ? Math.min(1000, sample) : sample;
  }

  /** The short interval while someone looks or something needs fresh numbers, or a process is new. */
  private sampleEveryMs(): number | undefined {
    const fresh =
      this.needFresh || this.s.supervisor.viewers > 0 || this.resources.unsettled(this.lastStatus);
    return fresh ? undefined : this.idleSampleMs;
  }

  stop(): void {
    this.unsubscribe?.();
    this.health.close();
    this.sampler.close?.();
  }

  channels(): string[] {
    return this.notifiers.map((n) => n.channel);
  }

  /** The channels as configured now (the disk module sends to them directly while the queue cannot be written). */
  notifierList(): readonly Notifier[] {
    return this.notifiers;
  }

  config(): AlertsConfig {
    return this.stored.config;
  }

  /** Last status seen by afterTick (the supervisor's rows, without the modules' parts). */
  status(): StatusDoc {
    return this.lastStatus;
  }

  /**
   * The service records (for their health settings; the store caches them) and the alert configuration,
   * re-read every few seconds or when the set of services changes (an apply), not on every tick.
   */
  private servicesAndConfig(status: StatusDoc, now: number): readonly ServiceRecord[] {
    const names = status.services.map((x) => x.name).join('\n');
    if (names !== this.recordNames || now - this.configAt >= RELOAD_MS) {
      this.recordNames = names;
      this.configAt = now;
      this.hourlyUsd = loadUsageSettings(this.s.store).budget?.hourlyUsd ?? null;
      this.reloadConfig();
    }
    return this.s.store.listServices();
  }

  private reloadConfig(): void {
    const stored = loadAlertsConfig(this.s.store);
    const json = JSON.stringify(stored);
    if (json === this.storedJson) return;
    this.stored = stored;
    this.storedJson = json;
    this.buildNotifiers(stored.config);
    this.alerting.setConfig(stored.config, this.timezone(stored.config));
    this.s.logger.info({ channels: this.channels() }, 'alert configuration reloaded');
  }

  private timezone(config: AlertsConfig): string {
    return this.opts.timezone ?? config.timezone ?? LOCAL_ZONE;
  }

  private buildNotifiers(config: AlertsConfig): void {
    this.notifiers = this.adapters.channels(config, () => this.stored);
  }
}
