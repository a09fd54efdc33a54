/**
 * The agent's usage loop, on ports: each round ingests every due source of every service (in the
 * background, never holding up the supervisor tick), then evaluates budgets, spikes and runaways, and keeps
 * the small summary the status document shows. Rounds and `resume` run one at a time.
 */
import { groupOf } from '../../core/manifest/replicas.js';
import type { NewEvent, VigilEvent } from '../../core/events.js';
import type { StatusDoc, ServiceState } from '../../core/status.js';
import type { Clock } from '../../ports/clock.js';
import { budgetState, effectiveCap, type BudgetScope } from '../../core/usage/budget.js';
import {
  BurnWindow,
  RunawayDetector,
  spikeEvents,
  usageNorm,
  RUNAWAY_DEFAULTS,
  type SpikeInput,
} from '../../core/usage/detect.js';
import { microToUsd, totalTokens, type LedgerEntry } from '../../core/usage/model.js';
import type { BudgetGlance, ServiceSpend } from '../../core/usage/report.js';
import type { UsageIngester } from './ingest.js';
import type { BudgetEnforcer, ResumeResult } from './budget.js';
import { calendarFor, loadStopped, loadUsageSettings, timeZoneOf, type UsageSettings } from './settings.js';
import type { UsageLedger } from '../../ports/usage-ledger.js';
import type { Store } from '../../ports/store.js';

export interface UsageWatchDeps {
  store: Store;
  ledger: UsageLedger;
  ingester: UsageIngester;
  enforcer: BudgetEnforcer;
  clock: Clock;
  record(events: NewEvent[]): VigilEvent[];
  /** Newly stored entries (metrics counters). */
  onEntries?(entries: readonly LedgerEntry[]): void;
  /** Called before the first round that has a usage source to read (loads the price table). */
  prepare?(): Promise<void>;
  onError?(err: unknown, what: string): void;
  /** Budgets are also evaluated this often without new usage (new day, new month); default 30 s. */
  evaluateEveryMs?: number;
  /** After every change of the spend and budget glance the status document shows (`summary`). */
  onSummary?(): void;
  /** Most log chunks (CHUNK_BYTES each) read per source per round, so a backlog never monopolizes a round. */
  maxChunksPerRound?: number;
}

/** Real crashes only: a restart Vigil asked for (apply, rotation) or the manager's restart after a crash adds nothing. */
const RESTART_EVENTS = new Set(['crashed', 'oom-killed', 'killed']);

/**
 * Whether an event is a restart the runaway check counts: a real crash, once. An amending event (an
 * oom-kill told by systemd after the launcher's record of the same end) is the same end, not another.
 */
export function countsAsRestart(e: VigilEvent): e is VigilEvent & { service: string } {
  return e.service !== null && RESTART_EVENTS.has(e.type) && e.data?.amends === undefined;
}

export const HOURLY_RETENTION_DAYS = 45;

export class UsageWatch {
  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private again = false;
  private readonly due = new Map<string, number>();
  private lastEval = -Infinity;
  private lastPrune = -Infinity;
  private closed = false;
  private states = new Map<string, ServiceState>();
  private readonly restarts = new Map<string, number[]>();
  private readonly burn = new BurnWindow();
  private readonly runaway = new RunawayDetector();
  private spend = new Map<string, ServiceSpend>();
  private glance: BudgetGlance | null = null;

  constructor(private readonly deps: UsageWatchDeps) {}

  /** After a supervisor tick: remember states and restarts, and start a round unless one is running. */
  observe(status: StatusDoc, events: readonly VigilEvent[]): void {
    this.states = new Map(status.services.map((s) => [s.name, s.state]));
    for (const e of events) {
      if (!countsAsRestart(e)) continue;
      const list = this.restarts.get(e.service) ?? [];
      list.push(e.at);
      this.restarts.set(e.service, list);
    }
    void this.kick();
  }

  /**
   * When a round has something to do (ms from now): every second while services have usage sources
   * (each source keeps its own interval) or while a round runs, else at the next budget evaluation;
   * null without sources, budget or budget stops (nothing can change).
   */
  nextRoundInMs(now: number): number | null {
    if (this.running || this.deps.store.listServices().some((s) => s.spec.usage)) return 1000;
    // Nothing to ingest: spend can only change with a budget's period, or a budget stop to lift.
    const settings = loadUsageSettings(this.deps.store);
    if (settings.budget === null && Object.keys(loadStopped(this.deps.store)).length === 0) return null;
    return Math.max(0, this.lastEval + (this.deps.evaluateEveryMs ?? 30_000) - now);
  }

  /** Starts a round (or asks the running one to go again); resolves when the rounds end. */
  kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.chain.then(() => undefined);
    }
    this.running = true;
    const run = this.exclusive(async () => {
      do {
        this.again = false;
        await this.round();
      } while (this.again && !this.closed);
    }).finally(() => {
      this.running = false;
    });
    return run;
  }

  /** `vigil budget resume`, serialized with the rounds. */
  resume(opts: { addUsd?: number; services?: string[] }): Promise<ResumeResult> {
    return this.exclusive(async () => {
      const known = [...new Set(this.deps.store.listServices().flatMap((s) => [s.name, groupOf(s.name)]))];
      const r = await this.deps.enforcer.resume(opts, this.deps.clock.now(), known);
      this.refresh(this.deps.clock.now());
      return r;
    });
  }

  /** Resolves when the round (or resume) in progress, if any, has ended. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** No more rounds (a backlog being read stops after its current round); resolves when idle. */
  close(): Promise<void> {
    this.closed = true;
    return this.idle();
  }

  /** Today's spend per service (or group) and the budget glance, as the status document shows them. */
  summary(): { services: ReadonlyMap<string, ServiceSpend>; budget: BudgetGlance | null } {
    return { services: this.spend, budget: this.glance };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async round(): Promise<void> {
    const { deps } = this;
    const sources = deps.store.listServices().filter((s) => s.spec.usage);
    const evaluateEveryMs = deps.evaluateEveryMs ?? 30_000;
    // Most ticks of an agent without usage sources have nothing to do until the next evaluation.
    if (sources.length === 0 && deps.clock.now() - this.lastEval < evaluateEveryMs) return;
    const settings = loadUsageSettings(deps.store);
    const ctx = { pricing: settings.pricing ?? undefined, calendar: calendarFor(timeZoneOf(settings)) };
    let stored = 0;
    let backlog = false;
    if (deps.prepare && sources.length > 0) await deps.prepare();
    const onStored = (entries: readonly LedgerEntry[]) => this.account(entries, deps.clock.now());
    for (const svc of sources) {
      const spec = svc.spec.usage!;
      const now = deps.clock.now();
      const run = async (kind: string, fn: () => Promise<number>) => {
        const id = `${svc.name}\u0000${kind}`;
        if ((this.due.get(id) ?? -Infinity) > now) return;
        this.due.set(id, now + spec.intervalSec * 1000);
        try {
          stored += await fn();
        } catch (err) {
          deps.onError?.(err, `usage ${kind} of ${svc.name}`);
        }
      };
      if (spec.log) {
        await run('log', () =>
          deps.ingester.ingestLog(svc.name, spec, ctx, { maxChunks: deps.maxChunksPerRound ?? 64, onStored }),
        );
        if (deps.ingester.hasMore(svc.name)) {
          this.due.delete(`${svc.name}\u0000log`); // the rest of a backlog is read in the next round, at once
          backlog = true;
        }
      }
      const scrape = async (kind: 'metrics' | 'litellm', url: string) => {
        const entries = await deps.ingester.scrape(svc.name, spec, kind, url, ctx);
        if (entries.length > 0) onStored(entries);
        return entries.length;
      };
      // A replicated service's instances share its endpoints (metrics.url is not substituted): one of
      // them scrapes, or every instance would count the same counters again.
      const scrapes = (svc.spec.replica?.index ?? 1) === 1;
      if (scrapes && spec.metrics && svc.spec.metrics)
        await run('metrics', () => scrape('metrics', svc.spec.metrics!.url));
      if (scrapes && spec.litellm) await run('litellm', () => scrape('litellm', spec.litellm!.url));
    }
    const now = deps.clock.now();
    if (stored > 0 || now - this.lastEval >= evaluateEveryMs) {
      this.lastEval = now;
      await this.evaluate(now, settings);
    }
    if (backlog) this.again = true;
  }

  private account(stored: readonly LedgerEntry[], now: number): void {
    this.deps.onEntries?.(stored);
    const unpriced: NewEvent[] = [];
    for (const e of stored) {
      this.burn.add(e.service, e.at, totalTokens(e.tokens), now);
      if (e.costSource !== 'unpriced') continue;
      unpriced.push({
        key: `unpriced-model:${e.provider ?? ''}:${e.model}`,
        at: now,
        service: e.service,
        type: 'unpriced-model',
        severity: 'warning',
        message: `${e.model}${e.provider ? ` (${e.provider})` : ''} has no known price: its tokens are recorded as unpriced and not counted in spend; give it a price under "pricing:" in the manifest`,
        data: { model: e.model, provider: e.provider },
      });
    }
    if (unpriced.length > 0) this.deps.record(unpriced);
  }

  private async evaluate(now: number, settings: UsageSettings): Promise<void> {
    const { deps } = this;
    let scopes: BudgetScope[] | undefined;
    try {
      scopes = (await deps.enforcer.evaluate(now, (s) => this.states.get(s), settings)).scopes;
      const cal = calendarFor(timeZoneOf(settings));
      const hour = cal.hour(now);
      const previous = cal.previousHours(now, 24);
      const rows =
        previous.length > 0
          ? deps.ledger.hourly(previous[0]!, hour, 'service')
          : deps.ledger.hourly(hour, hour, 'service');
      const byService = new Map<string, Map<string, { cost: number; tokens: number }>>();
      for (const r of rows) {
        const m = byService.get(r.key) ?? new Map<string, { cost: number; tokens: number }>();
        m.set(r.bucket, { cost: r.costMicro, tokens: r.tokens });
        byService.set(r.key, m);
      }
      const spikes: SpikeInput[] = [];
      const total = (h: string) => [...byService.values()].reduce((a, m) => a + (m.get(h)?.cost ?? 0), 0);
      spikes.push({
        scope: 'total',
        hour,
        currentMicro: total(hour),
        previousMicro: previous.map(total),
        trailingHours: 24,
      });
      for (const [service, m] of byService) {
        spikes.push({
          scope: service,
          hour,
          currentMicro: m.get(hour)?.cost ?? 0,
          previousMicro: previous.map((h) => m.get(h)?.cost ?? 0),
          trailingHours: 24,
        });
      }
      const b = settings.budget;
      const spike = b?.spike ?? { factor: 2, minUsd: 1 };
      const events = spikeEvents(spikes, { ...spike, hourlyUsd: b?.hourlyUsd ?? null }, now);
      const windowStart = now - RUNAWAY_DEFAULTS.windowMs;
      const runaway = this.burn.services().map((service) => {
        const m = byService.get(service);
        const norm = usageNorm(previous.map((h) => m?.get(h)?.tokens ?? 0));
        const restarts = (this.restarts.get(service) ?? []).filter((t) => t >= windowStart);
        this.restarts.set(service, restarts);
        return {
          service,
          burnPerMin: this.burn.perMinute(service, now),
          normPerMin: norm,
          restarts: restarts.length,
          hour,
        };
      });
      events.push(...this.runaway.check(runaway, now));
      if (events.length > 0) deps.record(events);
      if (now - this.lastPrune >= 6 * 3_600_000) {
        // Hourly rollups serve today's chart and the 24-hour norms; days and entries are kept.
        this.lastPrune = now;
        deps.ledger.pruneHourly(cal.hour(now - HOURLY_RETENTION_DAYS * 86_400_000));
      }
    } catch (err) {
      deps.onError?.(err, 'budget evaluation');
    }
    this.refresh(now, settings, scopes);
  }

  /** The per-service spend and budget glance the status document shows (`scopes`: the evaluation's, when it ran). */
  private refresh(
    now: number,
    settings: UsageSettings = loadUsageSettings(this.deps.store),
    evaluated?: BudgetScope[],
  ): void {
    const { deps } = this;
    const day = calendarFor(timeZoneOf(settings)).day(now);
    const stopped = loadStopped(deps.store);
    const totals = new Map(deps.ledger.totals(day, day, 'service').map((t) => [t.key, t]));
    const scopes = evaluated ?? deps.enforcer.scopes(now, settings);
    const spend = new Map<string, ServiceSpend>();
    for (const svc of deps.store.listServices()) {
      // A replicated service's usage is under its name, summed over its instances (see replicas.ts).
      const name = groupOf(svc.name);
      const t = totals.get(name);
      if (spend.has(name) || (!t && !svc.spec.usage && !settings.budget?.services[name])) continue;
      spend.set(name, {
        todayMicro: t?.costMicro ?? 0,
        todayUsd: microToUsd(t?.costMicro ?? 0),
        unpricedRequests: t?.unpricedRequests ?? 0,
        capUsd: effectiveCap(scopes, `service:${name}`)?.capUsd ?? null,
        stoppedForBudget: stopped[name] !== undefined || stopped[svc.name] !== undefined,
      });
    }
    this.spend = spend;
    const b = settings.budget;
    const todayMicro = [...totals.values()].reduce((a, t) => a + t.costMicro, 0);
    const scope = scopes.find((s) => s.id === 'daily');
    const daily = effectiveCap(scopes, 'daily');
    this.glance =
      b || todayMicro > 0
        ? {
            day,
            todayUsd: microToUsd(todayMicro),
            dailyUsd: daily?.capUsd ?? null,
            lifted: daily?.lifted ?? false,
            pct: scope && Number.isFinite(scope.pct) ? Math.round(scope.pct * 10) / 10 : null,
            state: b ? budgetState(scopes, b.thresholds) : 'ok',
            stopped: Object.keys(stopped),
          }
        : null;
    deps.onSummary?.();
  }
}
