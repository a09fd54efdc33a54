/**
 * Budgets that act: threshold alerts (once per period), enforcement (stop the services of a cap at 100 %,
 * through the service manager, and remember why), automatic restart when the reason is gone (a new day or
 * month, a raised cap), and `vigil budget resume [--add USD]`. Used by the agent and, without an agent, by
 * the CLI directly.
 */
import { groupOf } from '../../core/manifest/replicas.js';
import type { NewEvent, VigilEvent } from '../../core/events.js';
import { VigilError } from '../../core/errors.js';
import type { ServiceState } from '../../core/status.js';
import {
  budgetScopes,
  enforcing,
  overrideKey,
  scopeLabel,
  thresholdEvents,
  type BudgetScope,
  type SpendSnapshot,
} from '../../core/usage/budget.js';
import { formatUsd, usdToMicro } from '../../core/usage/model.js';
import { monthDays, type Calendar } from '../../core/usage/tz.js';
import type { ServiceManager } from '../../ports/service-manager.js';
import type { Store } from '../../ports/store.js';
import type { UsageLedger } from '../../ports/usage-ledger.js';
import {
  calendarFor,
  loadOverrides,
  loadStopped,
  loadUsageSettings,
  OVERRIDES_KEY,
  STOPPED_KEY,
  timeZoneOf,
  type UsageSettings,
} from './settings.js';

export interface BudgetDeps {
  store: Store;
  ledger: UsageLedger;
  manager: ServiceManager;
  /** Stores events (deduplicated by key) and publishes the new ones. */
  record(events: NewEvent[]): VigilEvent[];
}

/** States in which a service is (or is about to be) spending. */
const ACTIVE: ReadonlySet<ServiceState> = new Set(['running', 'starting', 'crashloop']);

export function spendSnapshot(ledger: UsageLedger, calendar: Calendar, now: number): SpendSnapshot {
  const day = calendar.day(now);
  const month = day.slice(0, 7);
  const dayByService = ledger.spendByService(day, day);
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    day,
    month,
    dayTotal: sum(dayByService),
    monthTotal: sum(ledger.spendByService(monthDays(month)[0], day)),
    dayByService,
  };
}

/** The budget's scopes now: caps (with resume's overrides) against the spend of their periods. */
export function currentScopes(
  store: Store,
  ledger: UsageLedger,
  now: number,
  settings: UsageSettings = loadUsageSettings(store),
  snapshot?: SpendSnapshot,
): BudgetScope[] {
  if (!settings.budget) return [];
  return budgetScopes(
    settings.budget,
    snapshot ?? spendSnapshot(ledger, calendarFor(timeZoneOf(settings)), now),
    loadOverrides(store),
  );
}

export interface Evaluation {
  scopes: BudgetScope[];
  events: VigilEvent[];
  stopped: string[];
  restarted: string[];
}

export interface ResumeResult {
  resumed: string[];
  raised: { scope: string; period: string; capMicro: number | null; lifted: boolean }[];
}

export class BudgetEnforcer {
  constructor(private readonly deps: BudgetDeps) {}

  scopes(now: number, settings?: UsageSettings): BudgetScope[] {
    return currentScopes(this.deps.store, this.deps.ledger, now, settings);
  }

  /**
   * Fires threshold alerts, stops what a cap at 100 % says to stop (when it is running), and starts again
   * what was stopped for a reason that no longer holds. `state` tells whether a service is running.
   */
  async evaluate(
    now: number,
    state: (service: string) => ServiceState | undefined,
    settings: UsageSettings = loadUsageSettings(this.deps.store),
  ): Promise<Evaluation> {
    const { store, manager } = this.deps;
    const scopes = this.scopes(now, settings);
    const events = settings.budget
      ? this.deps.record(thresholdEvents(scopes, settings.budget.thresholds, now))
      : [];
    const stoppedMap = loadStopped(store);
    const enforced = new Map<string, BudgetScope>();
    for (const s of enforcing(scopes)) for (const t of s.targets) if (!enforced.has(t)) enforced.set(t, s);

    const restarted: string[] = [];
    for (const rec of Object.values(stoppedMap)) {
      if (enforced.has(rec.service)) continue;
      delete stoppedMap[rec.service];
      const names = this.members(rec.service);
      if (names.every((n) => state(n) === undefined)) continue; // removed from the manifest meanwhile
      await manager.start(names);
      restarted.push(rec.service);
      events.push(
        ...this.deps.record([
          resumedEvent(
            rec.service,
            now,
            `${scopeLabel(rec.scope)} no longer holds (new period, or the cap was raised)`,
          ),
        ]),
      );
    }

    const stopped: string[] = [];
    for (const [service, scope] of enforced) {
      // A replicated service's cap stops all its instances.
      const active = this.members(service).filter((n) => {
        const st = state(n);
        return st !== undefined && ACTIVE.has(st);
      });
      if (active.length === 0) continue;
      await manager.stop(active);
      stopped.push(service);
      stoppedMap[service] = {
        service,
        at: now,
        scope: scope.id,
        period: scope.period,
        capMicro: scope.capMicro,
        spendMicro: scope.spendMicro,
      };
      events.push(
        ...this.deps.record([
          {
            key: `budget-stopped:${scope.id}:${scope.period}:${scope.capMicro}:${service}:${now}`,
            at: now,
            service,
            type: 'budget-stopped',
            severity: 'critical',
            message: `${service} stopped: ${scopeLabel(scope.id)} ${scope.period} exceeded (${formatUsd(scope.spendMicro)} of ${formatUsd(scope.capMicro)}); resume with "vigil budget resume [--add USD]"`,
            data: {
              scope: scope.id,
              period: scope.period,
              spendMicro: scope.spendMicro,
              capMicro: scope.capMicro,
            },
          },
        ]),
      );
    }
    if (stopped.length > 0 || restarted.length > 0) store.setState(STOPPED_KEY, stoppedMap);
    return { scopes, events, stopped, restarted };
  }

  /** The units a budget target stands for: a replicated service's instances, else the service itself. */
  private members(service: string): string[] {
    const instances = this.deps.store
      .listServices()
      .map((s) => s.name)
      .filter((n) => n !== service && groupOf(n) === service);
    return instances.length > 0 ? instances : [service];
  }

  /**
   * Raises (by addUsd) or lifts (no addUsd) for the rest of its period every cap that stopped these services
   * (default: all stopped for spend) or that would stop them now, then starts them. With nothing stopped and
   * no service named, raises today's global cap.
   */
  async resume(
    opts: { addUsd?: number; services?: string[] },
    now: number,
    known: readonly string[],
  ): Promise<ResumeResult> {
    const { store, manager } = this.deps;
    if (opts.addUsd !== undefined && !(opts.addUsd > 0 && Number.isFinite(opts.addUsd))) {
      throw new VigilError('E_USAGE', `--add must be an amount in USD above 0, not ${opts.addUsd}`);
    }
    const unknown = (opts.services ?? []).filter((s) => !known.includes(s));
    if (unknown.length > 0)
      throw new VigilError(
        'E_UNKNOWN_SERVICE',
        `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      );
    const { budget } = loadUsageSettings(store);
    const stoppedMap = loadStopped(store);
    const targets = opts.services ?? Object.keys(stoppedMap);
    const scopes = this.scopes(now);
    let affected = scopes.filter(
      (s) =>
        (s.pct >= 100 && s.targets.some((t) => targets.includes(t))) ||
        targets.some((t) => stoppedMap[t]?.scope === s.id && stoppedMap[t]?.period === s.period),
    );
    if (affected.length === 0 && targets.length === 0) {
      affected = scopes.filter((s) => s.pct >= 100);
      if (affected.length === 0) affected = scopes.filter((s) => s.id === 'daily');
    }
    if (!budget && targets.length === 0)
      throw new VigilError(
        'E_USAGE',
        'no budget is configured (add "budget:" to the manifest) and nothing is stopped',
      );

    const overrides = loadOverrides(store);
    const raised: ResumeResult['raised'] = [];
    for (const s of affected) {
      const key = overrideKey(s.id, s.period);
      const o = overrides[key] ?? { addMicro: 0, lifted: false };
      if (opts.addUsd !== undefined) o.addMicro += usdToMicro(opts.addUsd);
      else o.lifted = true;
      overrides[key] = o;
      raised.push({
        scope: s.id,
        period: s.period,
        capMicro: o.lifted ? null : s.capMicro + (opts.addUsd !== undefined ? usdToMicro(opts.addUsd) : 0),
        lifted: o.lifted,
      });
    }
    const resumed = targets.filter((t) => stoppedMap[t] !== undefined && known.includes(t));
    store.transaction(() => {
      store.setState(OVERRIDES_KEY, overrides);
      for (const t of targets) delete stoppedMap[t];
      store.setState(STOPPED_KEY, stoppedMap);
    });
    if (resumed.length > 0) await manager.start(resumed.flatMap((t) => this.members(t)));
    const how =
      opts.addUsd !== undefined
        ? `cap raised by ${formatUsd(usdToMicro(opts.addUsd))}`
        : 'cap lifted for the rest of the period';
    this.deps.record(resumed.map((s) => resumedEvent(s, now, `vigil budget resume (${how})`)));
    return { resumed, raised };
  }
}

function resumedEvent(service: string, at: number, why: string): NewEvent {
  return {
    key: `budget-resumed:${service}:${at}`,
    at,
    service,
    type: 'budget-resumed',
    severity: 'info',
    message: `${service} started again: ${why}`,
    data: { reason: why },
  };
}
