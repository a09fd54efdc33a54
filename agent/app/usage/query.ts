/**
 * Reading the ledger for people and charts: a day's or a month's usage by service or model, the per-hour
 * series of a day and the per-day series of the last 30 days, and the budget's status. All from the rollup
 * tables: a few rows, whatever the size of the ledger.
 */
import { VigilError } from '../../core/errors.js';
import { budgetState, effectiveCap, scopeLabel, type BudgetScope } from '../../core/usage/budget.js';
import { microToUsd, usdToMicro, zeroTokens, addTokens } from '../../core/usage/model.js';
import { dayRange, isDay, isMonth, monthDays, zoneName } from '../../core/usage/tz.js';
import type {
  Dimension,
  KeyedTotals,
  UsageSeriesPoint,
  UsageLedger,
  UsageTotals,
} from '../../ports/usage-ledger.js';
import type { Store } from '../../ports/store.js';
import { calendarFor, loadStopped, loadUsageSettings, timeZoneOf, type StopRecord } from './settings.js';
import { currentScopes, spendSnapshot } from './budget.js';
import type {
  BudgetScopeDoc,
  BudgetStatusDoc,
  UsageReport,
  UsageSeries,
  UsageSeriesRange,
} from '../../core/usage/report.js';

export interface QueryDeps {
  store: Store;
  ledger: UsageLedger;
  /** The machine's zone's name, shown when no zone is configured (default: Intl's, systemTimeZone). */
  systemZone?: () => string;
}

/** Read-only stand-ins when no database exists yet: no settings, no usage. */
function emptyStore(): Store {
  const none = () => {
    throw new VigilError('E_STORE', 'no database');
  };
  const ledgers = { usage: emptyLedger, resourceHistory: none, alertLog: none, credentials: none };
  return {
    getState: () => undefined,
    setState: none,
    appendEvents: none,
    queryEvents: () => [],
    upsertService: none,
    removeService: none,
    listServices: () => [],
    ledgers,
    transaction: none,
    close: () => undefined,
  };
}

function emptyLedger(): UsageLedger {
  return {
    record: () => [],
    totals: () => [],
    daily: () => [],
    hourly: () => [],
    pairs: () => [],
    spendByService: () => new Map(),
    unpricedModels: () => [],
    pruneHourly: () => 0,
  };
}

/** The reads before any database exists (`vigil usage` and `vigil budget` without an agent): empty. */
export const NO_USAGE_DATABASE: QueryDeps = { store: emptyStore(), ledger: emptyLedger() };

function withUsd<T extends UsageTotals>(t: T): T & { costUsd: number } {
  return { ...t, costUsd: microToUsd(t.costMicro) };
}

function sumTotals(rows: readonly UsageTotals[]): UsageTotals {
  const out: UsageTotals = {
    entries: 0,
    requests: 0,
    tokens: zeroTokens(),
    costMicro: 0,
    reportedMicro: 0,
    unpricedRequests: 0,
    unpricedTokens: 0,
  };
  for (const r of rows) {
    out.entries += r.entries;
    out.requests += r.requests;
    out.tokens = addTokens(out.tokens, r.tokens);
    out.costMicro += r.costMicro;
    out.reportedMicro += r.reportedMicro;
    out.unpricedRequests += r.unpricedRequests;
    out.unpricedTokens += r.unpricedTokens;
  }
  return out;
}

/** Usage of one day (default today) or one month, by service or model. */
export function usageReport(
  deps: QueryDeps,
  q: { day?: string; month?: string; by?: Dimension },
  now: number,
): UsageReport {
  if (q.day !== undefined && q.month !== undefined)
    throw new VigilError('E_USAGE', 'give a day or a month, not both');
  if (q.day !== undefined && !isDay(q.day))
    throw new VigilError('E_USAGE', `day must be YYYY-MM-DD, not "${q.day}"`);
  if (q.month !== undefined && !isMonth(q.month))
    throw new VigilError('E_USAGE', `month must be YYYY-MM, not "${q.month}"`);
  const tz = timeZoneOf(loadUsageSettings(deps.store));
  const by = q.by ?? 'service';
  let from: string;
  let to: string;
  if (q.month !== undefined) [from, to] = monthDays(q.month);
  else from = to = q.day ?? calendarFor(tz).day(now);
  const rows: KeyedTotals[] = deps.ledger.totals(from, to, by);
  return {
    period:
      q.month !== undefined
        ? { kind: 'month', month: q.month, from, to }
        : { kind: 'day', day: from, from, to },
    by,
    timezone: zoneName(tz, deps.systemZone),
    rows: rows.map(withUsd),
    total: withUsd(sumTotals(rows)),
    unpricedModels: deps.ledger.unpricedModels(from, to),
  };
}

/** Per hour of today (local), or per day of the last 30 days, by service or model, with empty buckets. */
export function usageSeries(
  deps: QueryDeps,
  q: { range?: UsageSeriesRange; by?: Dimension },
  now: number,
): UsageSeries {
  const tz = timeZoneOf(loadUsageSettings(deps.store));
  const cal = calendarFor(tz);
  const by = q.by ?? 'service';
  const range = q.range ?? 'today';
  const today = cal.day(now);
  let buckets: string[];
  let points: UsageSeriesPoint[];
  if (range === 'today') {
    buckets = Array.from({ length: 24 }, (_, h) => `${today}T${String(h).padStart(2, '0')}`);
    points = deps.ledger.hourly(buckets[0]!, buckets[23]!, by);
  } else {
    buckets = dayRange(today, 30);
    points = deps.ledger.daily(buckets[0]!, today, by);
  }
  return { range, by, timezone: zoneName(tz, deps.systemZone), buckets, points };
}

function scopeDoc(s: BudgetScope): BudgetScopeDoc {
  const cap = effectiveCap([s], s.id)!;
  return {
    scope: s.id,
    label: scopeLabel(s.id),
    period: s.period,
    capMicro: cap.capMicro,
    capUsd: cap.capUsd,
    spendMicro: s.spendMicro,
    spendUsd: microToUsd(s.spendMicro),
    pct: Number.isFinite(s.pct) ? Math.round(s.pct * 10) / 10 : null,
    onExceed: s.onExceed,
    targets: s.targets,
    lifted: cap.lifted,
  };
}

export function budgetStatus(deps: QueryDeps, now: number): BudgetStatusDoc {
  const settings = loadUsageSettings(deps.store);
  const tz = timeZoneOf(settings);
  const cal = calendarFor(tz);
  const snap = spendSnapshot(deps.ledger, cal, now);
  const scopes = currentScopes(deps.store, deps.ledger, now, settings, snap);
  const { day, month, dayByService: byService, dayTotal: todayMicro, monthTotal: monthSpend } = snap;
  const stopped: StopRecord[] = Object.values(loadStopped(deps.store));
  const b = settings.budget;
  const hour = cal.hour(now);
  const hourMicro = deps.ledger.hourly(hour, hour, 'service').reduce((a, r) => a + r.costMicro, 0);
  const hourlyUsd = b?.hourlyUsd ?? null;
  return {
    configured: b !== null,
    timezone: zoneName(tz, deps.systemZone),
    day,
    month,
    state: b ? budgetState(scopes, b.thresholds) : 'ok',
    thresholds: b?.thresholds ?? [],
    onExceed: b?.onExceed ?? 'alert',
    todayMicro,
    todayUsd: microToUsd(todayMicro),
    monthMicro: monthSpend,
    monthUsd: microToUsd(monthSpend),
    dailyUsd: effectiveCap(scopes, 'daily')?.capUsd ?? null,
    dailyLifted: effectiveCap(scopes, 'daily')?.lifted ?? false,
    monthlyUsd: effectiveCap(scopes, 'monthly')?.capUsd ?? null,
    hourlyUsd,
    hour: {
      hour,
      spendMicro: hourMicro,
      spendUsd: microToUsd(hourMicro),
      capUsd: hourlyUsd,
      pct:
        hourlyUsd === null || hourlyUsd <= 0
          ? null
          : Math.round((hourMicro / usdToMicro(hourlyUsd)) * 1000) / 10,
    },
    byService: [...byService].map(([service, micro]) => ({
      service,
      spendMicro: micro,
      spendUsd: microToUsd(micro),
    })),
    scopes: scopes.map(scopeDoc),
    stopped: stopped.map((s) => ({ ...s, at: new Date(s.at).toISOString() })),
  };
}

/** The caps and state /metrics exports (vigil_budget_*): the budget status's caps in effect, so never older ones. */
export function metricsBudget(b: BudgetStatusDoc): {
  dailyUsd: number | null;
  monthlyUsd: number | null;
  services: { service: string; dailyUsd: number }[];
  state: BudgetStatusDoc['state'];
  stopped: string[];
} | null {
  if (!b.configured && b.stopped.length === 0) return null;
  return {
    dailyUsd: b.dailyUsd,
    monthlyUsd: b.monthlyUsd,
    services: b.scopes
      .filter((x) => x.scope.startsWith('service:'))
      .map((x) => ({ service: x.scope.slice('service:'.length), dailyUsd: x.capUsd })),
    state: b.state,
    stopped: b.stopped.map((x) => x.service),
  };
}
