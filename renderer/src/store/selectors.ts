/**
 * Narrow selectors: each component subscribes to exactly what it draws. Derived lists are memoized on
 * their inputs' identity, so a selector returns the same array until its inputs change.
 */
import { wholes } from './groups.js';
import type { AppState } from './index.js';
import type { ServiceState, VigilEvent } from './types.js';
import { CRASH_TYPES, type Tone } from '../format.js';

export const selectOrder = (s: AppState) => s.order;
export const selectService = (name: string) => (s: AppState) => s.services[name];
export const selectSeries = (name: string) => (s: AppState) => s.series[name];
export const selectPending = (name: string) => (s: AppState) => s.pending[name];
export const selectSession = (s: AppState) => s.session;
export const selectRoute = (s: AppState) => s.route;
export const selectLive = (s: AppState) => s.live;
export const selectToasts = (s: AppState) => s.toasts;
export const selectStatusState = (s: AppState) => s.statusState;
export const selectTodaySpend = (name: string) => (s: AppState) =>
  s.services[name]?.spend?.todayMicro ?? s.groups[name]?.spend?.todayMicro ?? null;
export const selectBudgetGlance = (s: AppState) => s.budgetGlance;
/** The disk-full condition, when the agent has it now. */
export const selectDiskFull = (s: AppState) => (s.disk?.state === 'disk-full' ? s.disk : null);
/** Does this agent track spend (its status carries spend)? */
export const selectTracksSpend = (s: AppState) => s.budgetGlance !== null;

const RANK: Readonly<Record<ServiceState, number>> = {
  running: 0,
  starting: 1,
  stopping: 1,
  stopped: 2,
  unknown: 3,
  failed: 4,
  crashloop: 5,
};

let lastOverall: {
  services: unknown;
  order: unknown;
  groups: unknown;
  r: ReturnType<typeof computeOverall>;
} | null = null;

type OverallInput = Pick<AppState, 'services' | 'order' | 'groups'>;

/** The headline: the worst state (or health) among services, as a tone and a sentence (memoized). */
export function overallOf(s: OverallInput): {
  tone: Tone;
  label: string;
  detail: string;
} {
  if (
    lastOverall !== null &&
    lastOverall.services === s.services &&
    lastOverall.order === s.order &&
    lastOverall.groups === s.groups
  )
    return lastOverall.r;
  const r = computeOverall(s);
  lastOverall = { services: s.services, order: s.order, groups: s.groups, r };
  return r;
}

function computeOverall(s: OverallInput): {
  tone: Tone;
  label: string;
  detail: string;
} {
  // A replicated service counts once, as the agent's whole: one dead replica makes it degraded, not down.
  const list = wholes(s.order.map((n) => s.services[n]!).filter(Boolean), s.groups).map(
    (w) => w.group ?? s.services[w.name]!,
  );
  if (list.length === 0)
    return { tone: 'idle', label: 'No services', detail: 'Apply a manifest: vigil apply -f vigil.yaml' };
  const bad = list.filter((x) => x.state === 'failed' || x.state === 'crashloop' || x.health === 'down');
  const warn = list.filter(
    (x) =>
      x.state === 'starting' || x.state === 'stopping' || x.state === 'unknown' || x.health === 'degraded',
  );
  const stopped = list.filter((x) => x.state === 'stopped');
  const worst = list.reduce((w, x) => (RANK[x.state] > RANK[w.state] ? x : w), list[0]!);
  if (bad.length > 0)
    return {
      tone: 'bad',
      label: `${bad.length} of ${list.length} down`,
      detail: bad.map((x) => x.name).join(', '),
    };
  if (warn.length > 0)
    return {
      tone: 'warn',
      label: `${warn.length} need attention`,
      detail: warn.map((x) => x.name).join(', '),
    };
  const running = list.length - stopped.length;
  return {
    tone: running === 0 ? 'idle' : 'ok',
    label: stopped.length === 0 ? 'All running' : `${running} running, ${stopped.length} stopped`,
    detail: worst.state === 'running' ? `${list.length} services` : stopped.map((x) => x.name).join(', '),
  };
}

function memo<A, R>(fn: (a: A, key: string) => R): (a: A, key: string) => R {
  const cache = new Map<string, { a: A; r: R }>();
  return (a, key) => {
    const hit = cache.get(key);
    if (hit !== undefined && hit.a === a) return hit.r;
    const r = fn(a, key);
    cache.set(key, { a, r });
    return r;
  };
}

const eventsOf = memo((events: readonly VigilEvent[], name: string) =>
  events.filter((e) => e.service === name),
);
/** The service's events, oldest first (same array until the events change). */
export const selectServiceEvents = (name: string) => (s: AppState) => eventsOf(s.events, name);

const lastCrashOf = memo((events: readonly VigilEvent[], name: string) => {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.service === name && CRASH_TYPES.has(e.type)) return e;
  }
  return null;
});
/** The most recent crash-like event of a service, or null. */
export const selectLastCrash = (name: string) => (s: AppState) => lastCrashOf(s.events, name);
