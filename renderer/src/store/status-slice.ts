/** The services: the status document, kept with structural sharing so unchanged rows do not re-render. */
import type { StateCreator } from 'zustand/vanilla';
import type { ActionVerb } from '../../../agent/api/contract.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import type {
  Availability,
  BudgetGlance,
  DiskGlance,
  ServiceGroup,
  ServiceStatus,
  StatusDoc,
} from './types.js';
import { IDLE } from './types.js';
import { addSample, emptySeries, type Series } from './samples.js';

export interface StatusSlice {
  services: Readonly<Record<string, ServiceStatus>>;
  /** Service names in the agent's order. */
  order: readonly string[];
  /** The replicated services as wholes, by name, as the agent judged them (with their summed spend). */
  groups: Readonly<Record<string, ServiceGroup>>;
  /** Today's spend against the daily budget (agents that track usage). */
  budgetGlance: BudgetGlance | null;
  /** The agent's disk condition (null from agents that do not report it). */
  disk: DiskGlance | null;
  statusState: Availability;
  series: Readonly<Record<string, Series>>;
  /** The action in flight per service. */
  pending: Readonly<Record<string, ActionVerb>>;
  loadStatus(): Promise<void>;
  /** Coalesces bursts of events into one status load. */
  refreshStatusSoon(): void;
  runAction(name: string, verb: ActionVerb): Promise<boolean>;
}

const REFRESH_DEBOUNCE_MS = 25;

function same(a: ServiceStatus | undefined, b: ServiceStatus): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export const createStatusSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], StatusSlice> =>
  (set, get) => {
    let soon: unknown = null;
    let inflight: Promise<void> | null = null;
    let again = false;

    function apply(doc: StatusDoc): void {
      const prev = get();
      const at = deps.now();
      const services: Record<string, ServiceStatus> = {};
      const series: Record<string, Series> = {};
      let changed = false;
      for (const s of doc.services) {
        const old = prev.services[s.name];
        services[s.name] = same(old, s) ? old! : s;
        if (services[s.name] !== old) changed = true;
        series[s.name] = addSample(prev.series[s.name] ?? emptySeries(), s, at);
      }
      const order = doc.services.map((s) => s.name);
      const groups = Object.fromEntries((doc.groups ?? []).map((g) => [g.name, g]));
      if (Object.keys(prev.services).length !== order.length) changed = true;
      set({
        ...(changed ? { services } : {}),
        ...(sameOrder(prev.order, order) ? {} : { order }),
        budgetGlance: sameJson(prev.budgetGlance, doc.budget ?? null)
          ? prev.budgetGlance
          : (doc.budget ?? null),
        disk: sameJson(prev.disk, doc.disk ?? null) ? prev.disk : (doc.disk ?? null),
        groups: sameJson(prev.groups, groups) ? prev.groups : groups,
        series,
        statusState: { kind: 'ready', at },
      });
    }

    async function load(): Promise<void> {
      try {
        apply(await deps.api.call('status', {}));
      } catch (err) {
        const message = get().failed(err);
        set({ statusState: { kind: 'error', message } });
      }
    }

    return {
      services: {},
      order: [],
      groups: {},
      budgetGlance: null,
      disk: null,
      statusState: IDLE,
      series: {},
      pending: {},
      loadStatus() {
        // One load at a time; a request made meanwhile runs once more afterwards (never a stale last word).
        if (inflight !== null) {
          again = true;
          return inflight;
        }
        if (get().statusState.kind === 'idle') set({ statusState: { kind: 'loading' } });
        inflight = (async () => {
          do {
            again = false;
            await load();
          } while (again);
        })().finally(() => {
          inflight = null;
        });
        return inflight;
      },
      refreshStatusSoon() {
        if (soon !== null) return;
        soon = deps.timers.setTimeout(() => {
          soon = null;
          void get().loadStatus();
        }, REFRESH_DEBOUNCE_MS);
      },
      async runAction(name, verb) {
        set((s) => ({ pending: { ...s.pending, [name]: verb } }));
        try {
          const result = await deps.api.call('action', { name, verb });
          set((s) => ({ services: { ...s.services, [name]: result.status } }));
          get().toast(
            'success',
            `${verb === 'stop' ? 'Stopped' : verb === 'start' ? 'Started' : 'Restarted'} ${name}`,
          );
          void get().loadStatus();
          return true;
        } catch (err) {
          get().toast('error', `Could not ${verb} ${name}: ${get().failed(err)}`);
          return false;
        } finally {
          set((s) => {
            const { [name]: _done, ...rest } = s.pending;
            return { pending: rest };
          });
        }
      },
    };
  };
