/**
 * The status of replicated services as wholes: their instances' rows (`group` set) summed into one group
 * each, and the overall health judged on the groups, so that one dead replica of three makes its service
 * `degraded` ("2/3 running"), not `down`. Pure.
 */
import { overallHealth, worstHealth } from './health/machine.js';
import type { ServiceGroup, ServiceStatus, StatusDoc } from './status.js';
import { worstState } from './status.js';

const isUp = (s: ServiceStatus) => s.state === 'running' && s.health !== 'down';

export function groupStatuses(services: readonly ServiceStatus[]): ServiceGroup[] {
  const byGroup = new Map<string, ServiceStatus[]>();
  for (const s of services) {
    if (s.group === undefined) continue;
    const list = byGroup.get(s.group);
    if (list) list.push(s);
    else byGroup.set(s.group, [s]);
  }
  return [...byGroup].map(([name, list]) => {
    const sorted = [...list].sort((a, b) => (a.replica ?? 0) - (b.replica ?? 0));
    const running = sorted.filter((s) => s.state === 'running').length;
    const up = sorted.filter(isUp).length;
    const stopped = sorted.every((s) => s.state === 'stopped' || s.state === 'stopping');
    return {
      name,
      replicas: sorted.length,
      running,
      state: running > 0 ? 'running' : worstState(sorted.map((s) => s.state)),
      health:
        up === sorted.length
          ? worstHealth(sorted.map((s) => s.health))
          : up > 0
            ? 'degraded'
            : stopped
              ? worstHealth(sorted.map((s) => s.health))
              : 'down',
      instances: sorted.map((s) => s.name),
    };
  });
}

/** "2/3 running". */
export function groupSummary(g: ServiceGroup): string {
  return `${g.running}/${g.replicas} running`;
}

/** The document with its groups, and the overall health over plain services and groups (not instances). */
export function withGroups(doc: StatusDoc): StatusDoc {
  const groups = groupStatuses(doc.services);
  if (groups.length === 0) return doc;
  const plain = doc.services.filter((s) => s.group === undefined);
  return {
    ...doc,
    groups,
    ...(doc.overall === undefined ? {} : { overall: overallHealth([...plain, ...groups]) }),
  };
}
