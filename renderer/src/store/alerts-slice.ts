/**
 * Alerts: what fires now (severity, since when), recent notifications with their deliveries, quiet hours,
 * and acknowledging. The agent has no acknowledgement API, so an acknowledgement is kept by this browser
 * (per alert and firing episode): it quiets the alert here, not the agent's notifications.
 */
import type { StateCreator } from 'zustand/vanilla';
import { isApiError } from '../api/client.js';
import type { StorageLike } from '../api/session-key.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { IDLE, type AlertsDoc, type Availability, type FiringAlert, type VigilEvent } from './types.js';

export interface AlertsSlice {
  alertsDoc: AlertsDoc | null;
  alertsState: Availability;
  /** Acknowledged firing episodes (`key@since`). */
  acknowledged: ReadonlySet<string>;
  loadAlerts(): Promise<void>;
  acknowledge(a: FiringAlert): void;
  /** Sends a test notification through every channel. */
  testNotification(): Promise<boolean>;
  alertsEvent(e: VigilEvent): void;
}

const ACK_STORAGE = 'vigil.acknowledged';
export const ackId = (a: FiringAlert): string => `${a.key}@${a.since}`;

const RANK = { critical: 2, warning: 1, info: 0 } as const;
/** Critical first, then the most recent. */
export function sortFiring(list: readonly FiringAlert[]): FiringAlert[] {
  return [...list].sort(
    (a, b) => RANK[b.severity] - RANK[a.severity] || Date.parse(b.since) - Date.parse(a.since),
  );
}

function loadAcks(storage: StorageLike | undefined): Set<string> {
  try {
    const raw = storage?.getItem(ACK_STORAGE);
    return new Set(raw ? (JSON.parse(raw) as string[]) : []);
  } catch {
    return new Set();
  }
}

export const createAlertsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], AlertsSlice> =>
  (set, get) => ({
    alertsDoc: null,
    alertsState: IDLE,
    acknowledged: loadAcks(deps.storage),
    async loadAlerts() {
      if (get().alertsState.kind === 'idle') set({ alertsState: { kind: 'loading' } });
      try {
        const doc = await deps.api.call('alerts', {}, { limit: 50 });
        // Forget acknowledgements of episodes that are over.
        const live = new Set(doc.firing.map(ackId));
        const acks = new Set([...get().acknowledged].filter((k) => live.has(k)));
        set({
          alertsDoc: { ...doc, firing: sortFiring(doc.firing) },
          acknowledged: acks,
          alertsState: { kind: 'ready', at: deps.now() },
        });
      } catch (err) {
        if (isApiError(err) && err.unavailable)
          set({ alertsState: { kind: 'unavailable', message: 'This agent does not raise alerts.' } });
        else set({ alertsState: { kind: 'error', message: get().failed(err) } });
      }
    },
    acknowledge(a) {
      const acks = new Set(get().acknowledged);
      acks.add(ackId(a));
      set({ acknowledged: acks });
      try {
        deps.storage?.setItem(ACK_STORAGE, JSON.stringify([...acks]));
      } catch {
        // kept for this page only
      }
    },
    async testNotification() {
      try {
        const r = await deps.api.call('alertTest', {});
        const n = r.notification;
        get().toast(
          n === null || n.status === 'no-channel' ? 'error' : 'success',
          n === null || n.status === 'no-channel'
            ? 'No notification channel is configured (alerts in the manifest).'
            : `Test notification sent (${n.deliveries.map((d) => d.channel).join(', ') || 'desktop'})`,
        );
        void get().loadAlerts();
        return n !== null;
      } catch (err) {
        get().toast('error', `Test notification failed: ${get().failed(err)}`);
        return false;
      }
    },
    alertsEvent(e) {
      if (e.type.startsWith('alert-') && get().alertsState.kind === 'ready') void get().loadAlerts();
    },
  });
