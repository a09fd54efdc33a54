/**
 * Replicated services as wholes, as the agent judged them (the status document's `groups`): the page
 * arranges the instance rows under their group and never re-ranks their states itself, so the dashboard
 * and `vigil status` cannot disagree about whether one dead replica is a service down.
 */
import type { ServiceGroup, ServiceStatus } from './types.js';

export interface Whole {
  name: string;
  /** Set for a replicated service: the agent's view of it as a whole. */
  group?: ServiceGroup;
  /** Set for a replicated service: its instance rows, by index. */
  instances?: ServiceStatus[];
}

/**
 * The rows in order, each replicated service's instances as one whole at the place of its first. A row
 * whose group the document did not carry (an agent from before replicas) stays a plain row.
 */
export function wholes(
  rows: readonly ServiceStatus[],
  groups: Readonly<Record<string, ServiceGroup>>,
): Whole[] {
  const out: Whole[] = [];
  const byGroup = new Map<string, Whole>();
  for (const r of rows) {
    const group = r.group === undefined ? undefined : groups[r.group];
    if (group === undefined) {
      out.push({ name: r.name });
      continue;
    }
    let w = byGroup.get(group.name);
    if (!w) {
      w = { name: group.name, group, instances: [] };
      byGroup.set(group.name, w);
      out.push(w);
    }
    w.instances!.push(r);
  }
  for (const w of byGroup.values()) w.instances!.sort((a, b) => (a.replica ?? 0) - (b.replica ?? 0));
  return out;
}

/** "2/3 running". */
export function runningOf(g: ServiceGroup): string {
  return `${g.running}/${g.replicas} running`;
}
