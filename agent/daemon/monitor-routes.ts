/** The routes of the health/resources/alerts feature, served by the MonitorModule. */
import type { RouteHandlers } from '../api/server.js';
import type { MonitorRouteTypes } from '../api/contract.js';
import type { AlertView } from '../api/routes/monitor.js';
import { VigilError } from '../core/errors.js';
import type { Notification } from '../core/alerts/model.js';
import { AGENT_SERIES } from '../app/resource-monitor.js';
import type { AgentModule } from './module.js';
import { MonitorModule } from './monitor-module.js';

const HOUR = 3600_000;

export function monitorRoutes(
  modules: readonly AgentModule[],
  now: () => number,
): Pick<RouteHandlers, keyof MonitorRouteTypes> {
  const m = modules.find((x): x is MonitorModule => x instanceof MonitorModule) ?? null;
  const need = (): MonitorModule => {
    if (!m)
      throw new VigilError('E_UNAVAILABLE', 'health, resources and alerts are not available in this agent');
    return m;
  };
  return {
    resources({ query: q }) {
      const mod = need();
      const t = now();
      const until = q.until ?? t;
      const since = q.since ?? until - HOUR;
      const names =
        q.service !== undefined ? [q.service] : [...mod.status().services.map((s) => s.name), AGENT_SERIES];
      if (
        q.service !== undefined &&
        q.service !== AGENT_SERIES &&
        !mod.status().services.some((s) => s.name === q.service) &&
        !mod.history.services().includes(q.service)
      ) {
        throw new VigilError('E_UNKNOWN_SERVICE', `no resource history for "${q.service}"`);
      }
      return {
        now: t,
        series: names.map((service) =>
          mod.history.series({ service, since, until, points: q.points ?? 120 }, t),
        ),
      };
    },
    alerts({ query: q }) {
      const mod = need();
      const firing: AlertView[] = mod.alerting.engine.firing().map((a) => ({
        key: a.key,
        rule: a.rule,
        service: a.service,
        severity: a.severity,
        since: new Date(a.since).toISOString(),
        message: a.message,
        notified: a.notified,
        pending: a.pending,
      }));
      return {
        firing,
        quietNow: mod.alerting.engine.quiet(now()),
        channels: mod.channels(),
        notifications: mod.log.recent(q.limit ?? 50),
      };
    },
    async alertTest() {
      const mod = need();
      const t = now();
      const n: Notification = {
        id: `test::${t}`,
        kind: 'test',
        severity: 'info',
        title: 'Vigil test notification',
        text: `If you read this, alerts from ${mod.channels().length ? 'this channel' : 'Vigil'} reach you.`,
        service: null,
        rule: null,
        alertKey: null,
        at: t,
      };
      mod.alerting.enqueue(n, t);
      await mod.alerting.settle();
      await mod.alerting.deliverDue(t);
      return { notification: mod.log.recent(20).find((r) => r.id === n.id) ?? null };
    },
    metrics() {
      return need().metrics.text();
    },
  };
}
