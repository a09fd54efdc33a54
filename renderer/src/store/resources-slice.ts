/** Resource history (CPU/memory) from the agent, for sparklines and the detail view's charts. */
import type { StateCreator } from 'zustand/vanilla';
import { isApiError } from '../api/client.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { MAX_POINTS, seriesFrom, type Series } from './samples.js';
import type { Availability, ResourceSeries } from './types.js';

export interface HistoryPoint {
  at: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
}

export interface ResourcesSlice {
  /** null until asked; false when this agent keeps no history (sparklines then come from status samples). */
  resourcesAvailable: boolean | null;
  history: Readonly<Record<string, { rangeMs: number; points: readonly HistoryPoint[] }>>;
  historyState: Readonly<Record<string, Availability>>;
  loadHistory(service: string, rangeMs: number): Promise<void>;
  /** Prefills every service's sparkline from the last half hour of history (once, at start). */
  prefillSparklines(): Promise<void>;
}

export function historyPoints(s: ResourceSeries | undefined): HistoryPoint[] {
  return (s?.points ?? []).map((p) => ({ at: p.at, cpuPercent: p.cpuAvg, memoryBytes: p.memAvg }));
}

const SPARK_RANGE_MS = 30 * 60_000;

/** History first (only what is older than the live points), then the live points; the newest MAX_POINTS. */
function prepend(pre: Series, live: Series): Series {
  const first = live.at[0] ?? Infinity;
  let n = 0;
  while (n < pre.at.length && pre.at[n]! < first) n++;
  const cut = <T>(a: readonly T[], b: readonly T[]): T[] => [...a.slice(0, n), ...b].slice(-MAX_POINTS);
  return {
    at: cut(pre.at, live.at),
    cpu: cut(pre.cpu, live.cpu),
    memory: cut(pre.memory, live.memory),
    lastCpuNsec: live.lastCpuNsec,
  };
}

export const createResourcesSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], ResourcesSlice> =>
  (set, get) => ({
    resourcesAvailable: null,
    history: {},
    historyState: {},
    async loadHistory(service, rangeMs) {
      set((s) => ({ historyState: { ...s.historyState, [service]: { kind: 'loading' } } }));
      try {
        const doc = await deps.api.call(
          'resources',
          {},
          { service, since: deps.now() - rangeMs, points: 120 },
        );
        const points = historyPoints(doc.series.find((x) => x.service === service));
        set((s) => ({
          resourcesAvailable: true,
          history: { ...s.history, [service]: { rangeMs, points } },
          historyState: { ...s.historyState, [service]: { kind: 'ready', at: deps.now() } },
        }));
      } catch (err) {
        const unavailable = isApiError(err) && err.unavailable;
        set((s) => ({
          ...(unavailable ? { resourcesAvailable: false } : {}),
          historyState: {
            ...s.historyState,
            [service]: unavailable
              ? { kind: 'unavailable', message: 'This agent keeps no resource history.' }
              : { kind: 'error', message: get().failed(err) },
          },
        }));
      }
    },
    async prefillSparklines() {
      if (get().resourcesAvailable === false) return;
      let doc;
      try {
        doc = await deps.api.call(
          'resources',
          {},
          { since: deps.now() - SPARK_RANGE_MS, points: MAX_POINTS },
        );
      } catch (err) {
        if (isApiError(err) && err.unavailable) set({ resourcesAvailable: false });
        return;
      }
      set((s) => {
        const series = { ...s.series };
        for (const r of doc.series) {
          const live = s.series[r.service];
          const pre = seriesFrom(historyPoints(r));
          if (live !== undefined && pre.at.length > 0) series[r.service] = prepend(pre, live);
        }
        return { resourcesAvailable: true, series };
      });
    },
  });
