/**
 * Spend: today's report (by service and by model), today per hour, 30 days by service and by model, and
 * the budget (caps, state, services stopped for spend, resume). Budget events reload it.
 */
import type { StateCreator } from 'zustand/vanilla';
import { isApiError } from '../api/client.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import {
  IDLE,
  type Availability,
  type BudgetStatus,
  type UsageReport,
  type UsageSeries,
  type VigilEvent,
} from './types.js';

export interface UsageData {
  byService: UsageReport;
  byModel: UsageReport;
  hours: UsageSeries;
  days: { service: UsageSeries; model: UsageSeries };
  budget: BudgetStatus;
}

export interface UsageSlice {
  usage: UsageData | null;
  usageState: Availability;
  loadUsage(): Promise<void>;
  /** Raises the caps by `addUsd` (or lifts them for the period without it) and starts what was stopped for spend. */
  resumeBudget(addUsd?: number): Promise<boolean>;
  usageEvent(e: VigilEvent): void;
}

const USAGE_EVENTS: ReadonlySet<string> = new Set([
  'budget-threshold',
  'budget-stopped',
  'budget-resumed',
  'spend-spike',
  'runaway',
  'unpriced-model',
]);

/** Stacks per bucket from a series: every bucket, keys ordered by total spend. */
export function stacksOf(s: UsageSeries): {
  keys: string[];
  stacks: { label: string; parts: { key: string; value: number }[] }[];
} {
  const totals = new Map<string, number>();
  const cell = new Map<string, number>();
  for (const p of s.points) {
    totals.set(p.key, (totals.get(p.key) ?? 0) + p.costMicro);
    cell.set(`${p.bucket}\u0000${p.key}`, p.costMicro);
  }
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  return {
    keys,
    stacks: s.buckets.map((b) => ({
      label: b,
      parts: keys.map((k) => ({ key: k, value: cell.get(`${b}\u0000${k}`) ?? 0 })),
    })),
  };
}

export const createUsageSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], UsageSlice> =>
  (set, get) => {
    let soon: unknown = null;
    return {
      usage: null,
      usageState: IDLE,
      async loadUsage() {
        if (get().usageState.kind === 'idle') set({ usageState: { kind: 'loading' } });
        const api = deps.api;
        try {
          const [byService, byModel, hours, daysService, daysModel, budget] = await Promise.all([
            api.call('usage', {}, { by: 'service' }),
            api.call('usage', {}, { by: 'model' }),
            api.call('usageSeries', {}, { range: 'today', by: 'service' }),
            api.call('usageSeries', {}, { range: '30d', by: 'service' }),
            api.call('usageSeries', {}, { range: '30d', by: 'model' }),
            api.call('budget', {}),
          ]);
          set({
            usage: { byService, byModel, hours, days: { service: daysService, model: daysModel }, budget },
            usageState: { kind: 'ready', at: deps.now() },
          });
        } catch (err) {
          if (isApiError(err) && err.unavailable) {
            set({
              usageState: {
                kind: 'unavailable',
                message: 'This agent does not track token usage and spend.',
              },
            });
          } else set({ usageState: { kind: 'error', message: get().failed(err) } });
        }
      },
      async resumeBudget(addUsd) {
        try {
          const r = await deps.api.call(
            'budgetResume',
            {},
            undefined,
            addUsd === undefined ? {} : { addUsd },
          );
          get().toast(
            'success',
            r.resumed.length > 0
              ? `Resumed ${r.resumed.join(', ')}`
              : addUsd === undefined
                ? 'Budget caps lifted for today'
                : `Caps raised by $${addUsd}`,
          );
          await Promise.all([get().loadUsage(), get().loadStatus()]);
          return true;
        } catch (err) {
          get().toast('error', `Could not resume: ${get().failed(err)}`);
          return false;
        }
      },
      usageEvent(e) {
        if (
          !USAGE_EVENTS.has(e.type) ||
          get().usageState.kind === 'unavailable' ||
          get().usageState.kind === 'idle' ||
          soon !== null
        )
          return;
        soon = deps.timers.setTimeout(() => {
          soon = null;
          void get().loadUsage();
        }, 100);
      },
    };
  };
