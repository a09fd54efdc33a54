/**
 * The UI's state: one zustand store made of slices (zustand/vanilla, so node tests drive it without
 * React). Components read it through narrow selectors (store/selectors.ts) with useStore.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { StoreDeps } from './deps.js';
import { createUiSlice, type UiSlice } from './ui-slice.js';
import { createSessionSlice, type SessionSlice } from './session-slice.js';
import { createStatusSlice, type StatusSlice } from './status-slice.js';
import { createEventsSlice, type EventsSlice } from './events-slice.js';
import { createLogsSlice, type LogsSlice } from './logs-slice.js';
import { createResourcesSlice, type ResourcesSlice } from './resources-slice.js';
import { createUsageSlice, type UsageSlice } from './usage-slice.js';
import { createCredentialsSlice, type CredentialsSlice } from './credentials-slice.js';
import { createAlertsSlice, type AlertsSlice } from './alerts-slice.js';
import { createSettingsSlice, type SettingsSlice } from './settings-slice.js';
import { createHostSlice, type HostSlice } from './host-slice.js';
import type { VigilEvent } from './types.js';

export interface FeatureEvents {
  /** Hands a live event to the feature slices it concerns (usage, rotation progress, alerts). */
  featureEvent(e: VigilEvent): void;
}

export type AppState = UiSlice &
  SessionSlice &
  StatusSlice &
  EventsSlice &
  LogsSlice &
  ResourcesSlice &
  UsageSlice &
  CredentialsSlice &
  AlertsSlice &
  SettingsSlice &
  HostSlice &
  FeatureEvents;

export type AppStore = StoreApi<AppState>;

export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((set, get, api) => ({
    ...createUiSlice(deps)(set, get, api),
    ...createSessionSlice(deps)(set, get, api),
    ...createStatusSlice(deps)(set, get, api),
    ...createEventsSlice(deps)(set, get, api),
    ...createLogsSlice(deps)(set, get, api),
    ...createResourcesSlice(deps)(set, get, api),
    ...createUsageSlice(deps)(set, get, api),
    ...createCredentialsSlice(deps)(set, get, api),
    ...createAlertsSlice(deps)(set, get, api),
    ...createSettingsSlice(deps)(set, get, api),
    ...createHostSlice(deps)(set, get, api),
    featureEvent(e) {
      const s = get();
      s.usageEvent(e);
      s.credentialsEvent(e);
      s.alertsEvent(e);
    },
  }));
}
