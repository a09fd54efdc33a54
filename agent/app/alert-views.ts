/**
 * What the alert rules see of each service: its state, the shown health (from the health monitor when it
 * has one), the raw health and since when (the down and degraded timers), when the process state began,
 * and Vigil's latest intent. One function, used by the agent and by the precision benchmark alike.
 */
import type { AlertServiceView } from '../core/alerts/engine.js';
import type { Intent } from '../core/intent.js';
import type { StatusDoc } from '../core/status.js';
import type { HealthView } from './health-monitor.js';

export function alertViews(
  status: StatusDoc,
  health: (service: string) => HealthView | null,
  intentOf: (service: string) => Intent | null,
): AlertServiceView[] {
  return status.services.map((x) => {
    const v = health(x.name);
    const common = {
      name: x.name,
      state: x.state,
      drifted: x.drifted,
      processSince: x.since ? Date.parse(x.since) : null,
      intent: intentOf(x.name),
    };
    if (!v)
      return {
        ...common,
        health: x.health,
        healthSince: x.healthSince ? Date.parse(x.healthSince) : null,
        healthReason: x.healthReason ?? null,
      };
    return {
      ...common,
      health: v.health,
      healthSince: v.since,
      healthReason: v.reason ?? null,
      rawHealth: v.raw,
      rawSince: v.rawSince,
    };
  });
}
