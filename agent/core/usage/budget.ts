/**
 * Budgets as data: each cap (daily, monthly, per service per day) becomes a scope with its period, its cap
 * for that period (raised or lifted by `vigil budget resume`), the spend and what to do at 100 %. Threshold
 * events carry the scope, period, threshold and cap in their idempotency key, so each fires once per period
 * (across agent restarts) and again only if the cap changes. Pure.
 */
import type { NewEvent } from '../events.js';
import type { BudgetSpec } from '../manifest/usage.js';
import { formatUsd, microToUsd, usdToMicro } from './model.js';

export interface SpendSnapshot {
  day: string;
  month: string;
  dayTotal: number;
  monthTotal: number;
  dayByService: ReadonlyMap<string, number>;
}

/** Set by `vigil budget resume`: added micro-dollars, or the cap lifted, for one scope and period. */
export interface CapOverride {
  addMicro: number;
  lifted: boolean;
}

/** Keyed by `${scope}@${period}`. */
export type Overrides = Record<string, CapOverride>;

export type ScopeId = 'daily' | 'monthly' | `service:${string}`;

export interface BudgetScope {
  id: ScopeId;
  /** "2026-11-26" for daily scopes, "2026-11" for the monthly one. */
  period: string;
  /** The cap for this period, override included. */
  capMicro: number;
  spendMicro: number;
  /** spend / cap in percent (Infinity for a spent $0 cap). */
  pct: number;
  onExceed: 'alert' | 'stop';
  /** Services stopped at 100 %. */
  targets: string[];
  lifted: boolean;
}

export type BudgetState = 'ok' | 'warning' | 'exceeded';

export const overrideKey = (scope: ScopeId, period: string) => `${scope}@${period}`;

export function scopeLabel(id: ScopeId): string {
  if (id === 'daily') return 'Daily budget';
  if (id === 'monthly') return 'Monthly budget';
  return `Daily cap of ${id.slice('service:'.length)}`;
}

function pct(spend: number, cap: number): number {
  if (cap <= 0) return spend > 0 ? Infinity : 0;
  return (spend / cap) * 100;
}

export function budgetScopes(spec: BudgetSpec, spend: SpendSnapshot, overrides: Overrides): BudgetScope[] {
  const out: BudgetScope[] = [];
  const add = (
    id: ScopeId,
    period: string,
    capUsd: number,
    spent: number,
    onExceed: 'alert' | 'stop',
    targets: string[],
  ) => {
    const o = overrides[overrideKey(id, period)];
    const capMicro = usdToMicro(capUsd) + (o?.addMicro ?? 0);
    out.push({
      id,
      period,
      capMicro,
      spendMicro: spent,
      pct: pct(spent, capMicro),
      onExceed,
      targets,
      lifted: o?.lifted ?? false,
    });
  };
  if (spec.dailyUsd !== null)
    add('daily', spend.day, spec.dailyUsd, spend.dayTotal, spec.onExceed, spec.stop);
  if (spec.monthlyUsd !== null)
    add('monthly', spend.month, spec.monthlyUsd, spend.monthTotal, spec.onExceed, spec.stop);
  for (const [name, s] of Object.entries(spec.services)) {
    add(`service:${name}`, spend.day, s.dailyUsd, spend.dayByService.get(name) ?? 0, s.onExceed, [name]);
  }
  return out;
}

/**
 * A cap as it stands now: the manifest's, plus what `vigil budget resume --add` added this period; `lifted`
 * when resume without --add paused its enforcement (alerts still fire against `capMicro`).
 */
export interface EffectiveCap {
  capMicro: number;
  capUsd: number;
  lifted: boolean;
}

/**
 * The one function every view takes a cap from (CLI header and table, status glance, dashboard header,
 * Usage page, tray, per-service spend, /metrics): the scope's cap for this period, override included, or
 * null when the budget has no such cap.
 */
export function effectiveCap(scopes: readonly BudgetScope[], id: ScopeId): EffectiveCap | null {
  const s = scopes.find((x) => x.id === id);
  return s ? { capMicro: s.capMicro, capUsd: microToUsd(s.capMicro), lifted: s.lifted } : null;
}

/** The highest threshold a scope has reached, or null. */
export function reachedThreshold(scope: BudgetScope, thresholds: readonly number[]): number | null {
  let hit: number | null = null;
  for (const t of thresholds) if (scope.pct >= t) hit = t;
  return hit;
}

/** One event per scope for the highest threshold reached (a jump from 0 to 120 % is one alert, not two). */
export function thresholdEvents(
  scopes: readonly BudgetScope[],
  thresholds: readonly number[],
  at: number,
): NewEvent[] {
  const events: NewEvent[] = [];
  for (const s of scopes) {
    const t = reachedThreshold(s, thresholds);
    if (t === null) continue;
    const service = s.id.startsWith('service:') ? s.id.slice('service:'.length) : null;
    const over = t >= 100;
    const action =
      over && s.onExceed === 'stop' && !s.lifted && s.targets.length > 0
        ? `; stopping ${s.targets.join(', ')}`
        : '';
    events.push({
      key: `budget:${s.id}:${s.period}:${t}:${s.capMicro}`,
      at,
      service,
      type: 'budget-threshold',
      severity: over ? 'critical' : 'warning',
      message: `${scopeLabel(s.id)} ${s.period}: ${formatUsd(s.spendMicro)} of ${formatUsd(s.capMicro)} spent (${Math.floor(Math.min(s.pct, 9999))} %, threshold ${t} %)${action}`,
      data: {
        scope: s.id,
        period: s.period,
        threshold: t,
        spendMicro: s.spendMicro,
        capMicro: s.capMicro,
        pct: Number.isFinite(s.pct) ? s.pct : null,
      },
    });
  }
  return events;
}

/** Scopes at or above 100 % whose policy is to stop, and that resume has not lifted. */
export function enforcing(scopes: readonly BudgetScope[]): BudgetScope[] {
  return scopes.filter((s) => s.pct >= 100 && s.onExceed === 'stop' && !s.lifted && s.targets.length > 0);
}

export function budgetState(scopes: readonly BudgetScope[], thresholds: readonly number[]): BudgetState {
  let state: BudgetState = 'ok';
  for (const s of scopes) {
    if (s.pct >= 100) return 'exceeded';
    if (reachedThreshold(s, thresholds) !== null) state = 'warning';
  }
  return state;
}
