/**
 * The manifest's `budget:` and `pricing:` travel from `vigil apply` to the agent through the database, like
 * the service specs; and the state budgets keep between evaluations (who was stopped, which caps were
 * raised by `vigil budget resume`).
 */
import type { Manifest } from '../../core/manifest/model.js';
import type { Overrides } from '../../core/usage/budget.js';
import { Calendar, LOCAL_ZONE } from '../../core/usage/tz.js';
import type { Store } from '../../ports/store.js';
import type { StopRecord, UsageSettings } from '../../ports/state-keys.js';

export const USAGE_SETTINGS_KEY = 'usage.settings';
export const STOPPED_KEY = 'usage.budget.stopped';
export const OVERRIDES_KEY = 'usage.budget.overrides';

export type { StopRecord, UsageSettings };

export function saveUsageSettings(store: Store, manifest: Manifest): void {
  const value: UsageSettings = {
    budget: manifest.budget ?? null,
    pricing: manifest.pricing ?? null,
    otlp: manifest.otlp ?? null,
  };
  store.setState(USAGE_SETTINGS_KEY, value);
}

export function loadUsageSettings(store: Store): UsageSettings {
  return store.getState(USAGE_SETTINGS_KEY) ?? { budget: null, pricing: null };
}

export function loadStopped(store: Store): Record<string, StopRecord> {
  return store.getState(STOPPED_KEY) ?? {};
}

export function loadOverrides(store: Store): Overrides {
  return store.getState(OVERRIDES_KEY) ?? {};
}

/** The budget's time zone: the manifest's, else the machine's (LOCAL_ZONE; zoneName() tells its name). */
export function timeZoneOf(settings: UsageSettings): string {
  return settings.budget?.timezone ?? LOCAL_ZONE;
}

const calendars = new Map<string, Calendar>();

/** One Calendar per zone (their caches are worth keeping). */
export function calendarFor(tz: string): Calendar {
  let c = calendars.get(tz);
  if (!c) calendars.set(tz, (c = new Calendar(tz)));
  return c;
}
