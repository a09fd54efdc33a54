/**
 * Settings: the budget as configured (caps, thresholds, what happens at 100 %), notification channels
 * with a test, start at login (desktop app only). Budgets and channels are set in the manifest; the view
 * shows them and what can be done from here (resume, test).
 */
import type { StateCreator } from 'zustand/vanilla';
import { isApiError } from '../api/client.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { IDLE, type Availability, type BudgetStatus } from './types.js';

export interface SettingsSlice {
  budgetDoc: BudgetStatus | null;
  budgetState: Availability;
  /** null: not in the desktop app. */
  startAtLogin: boolean | null;
  loadSettings(): Promise<void>;
  setStartAtLogin(on: boolean): Promise<void>;
}

/** An amount of dollars typed by someone: a positive number with at most 2 decimals. */
export function parseUsd(raw: string): { ok: true; value: number } | { ok: false; message: string } {
  const s = raw.trim().replace(/^\$/, '');
  if (!/^\d+(\.\d{1,2})?$/.test(s))
    return { ok: false, message: 'Enter an amount in dollars, such as 5 or 12.50.' };
  const v = Number(s);
  return v > 0 ? { ok: true, value: v } : { ok: false, message: 'The amount must be more than $0.' };
}

export const createSettingsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SettingsSlice> =>
  (set, get) => ({
    budgetDoc: null,
    budgetState: IDLE,
    startAtLogin: null,
    async loadSettings() {
      if (deps.desktop) {
        deps.desktop.getStartAtLogin().then(
          (on) => set({ startAtLogin: on }),
          () => set({ startAtLogin: null }),
        );
      }
      void get().loadAlerts();
      if (get().budgetState.kind === 'idle') set({ budgetState: { kind: 'loading' } });
      try {
        set({ budgetDoc: await deps.api.call('budget', {}), budgetState: { kind: 'ready', at: deps.now() } });
      } catch (err) {
        if (isApiError(err) && err.unavailable)
          set({
            budgetState: {
              kind: 'unavailable',
              message: 'This agent does not track spend, so it has no budget.',
            },
          });
        else set({ budgetState: { kind: 'error', message: get().failed(err) } });
      }
    },
    async setStartAtLogin(on) {
      if (!deps.desktop) return;
      try {
        set({ startAtLogin: await deps.desktop.setStartAtLogin(on) });
      } catch (err) {
        get().toast('error', `Could not change start at login: ${(err as Error).message}`);
      }
    },
  });
