/**
 * Replicated services as wholes (the agent's `groups`, computed the same way from the instance rows): a
 * dead replica is one replica down, so its service is degraded ("2/3 running"), not down.
 */
import type { Health, ServiceState, ServiceStatus } from './types.js';

export interface Whole {
  name: string;
  state: ServiceState;
  health: Health;
  /** Set for a replicated service: its instance rows, by index. */
  instances?: ServiceStatus[];
}

const HEALTH_RANK: Readonly<Record<Health, number>> = { healthy: 0, unknown: 1, degraded: 2, down: 3 };
const STATE_RANK: Readonly<Record<ServiceState, number>> = {
  running: 0,
  starting: 1,
  stopping: 1,
  stopped: 2,
  unknown: 3,
  failed: 4,
  crashloop: 5,
};

const worstHealth = (l: readonly Health[]) =>
  l.reduce<Health>((w, h) => (HEALTH_RANK[h] > HEALTH_RANK[w] ? h : w), 'healthy');
const worstState = (l: readonly ServiceState[]) =>
  l.reduce<ServiceState>((w, s) => (STATE_RANK[s] > STATE_RANK[w] ? s : w), 'running');

/** The rows in order, each replicated service's instances as one whole at the place of its first. */
export function wholes(rows: readonly ServiceStatus[]): Whole[] {
  const out: Whole[] = [];
  const byGroup = new Map<string, Whole>();
  for (const r of rows) {
    if (r.group === undefined) {
      out.push({ name: r.name, state: r.state, health: r.health });
      continue;
    }
    let w = byGroup.get(r.group);
    if (!w) {
      w = { name: r.group, state: 'running', health: 'healthy', instances: [] };
      byGroup.set(r.group, w);
      out.push(w);
    }
    w.instances!.push(r);
  }
  for (const w of byGroup.values()) {
    const list = w.instances!.sort((a, b) => (a.replica ?? 0) - (b.replica ?? 0));
    const running = list.filter((x) => x.state === 'running').length;
    const up = list.filter((x) => x.state === 'running' && x.health !== 'down').length;
    const stopped = list.every((x) => x.state === 'stopped' || x.state === 'stopping');
    w.state = running > 0 ? 'running' : worstState(list.map((x) => x.state));
    w.health =
      up === list.length || (up === 0 && stopped)
        ? worstHealth(list.map((x) => x.health))
        : up > 0
          ? 'degraded'
          : 'down';
  }
  return out;
}

/** "2/3 running". */
export function runningOf(w: Whole): string {
  const list = w.instances ?? [];
  return `${list.filter((x) => x.state === 'running').length}/${list.length} running`;
}
