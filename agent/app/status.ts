/**
 * The status use cases, written once for the agent and for the CLI without one: a service's status
 * view (the agent's supervisor tick and directStatus both build it here), the status document computed
 * directly (one batched manager call), and the check that named services are in it.
 */
import { stopTimeoutOf } from '../core/manifest/stop-settings.js';
import { startTimeoutField } from '../core/manifest/wait-args.js';
import type { ObservedStatus } from '../core/observed.js';
import type { ServiceStatus, StatusDoc } from '../core/status.js';
import { loopRule, type ServiceSnapshot } from '../core/supervise/model.js';
import { serviceStatus } from '../core/supervise/view.js';
import { intentKey, type Intent } from '../core/intent.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';
import { withGroups } from '../core/replicas-status.js';
import { unknownServices } from './service-actions.js';

export const SNAPSHOTS_KEY = 'supervisor.snapshots';

/** One service's status from its record, what the manager reports and the supervisor's snapshot. */
export function serviceView(
  svc: ServiceRecord,
  o: ObservedStatus,
  snap: ServiceSnapshot | undefined,
  now: number,
  intent: Intent | null = null,
  drifted: boolean = snap?.drifted ?? false,
): ServiceStatus {
  const view = serviceStatus({
    name: svc.name,
    unit: svc.unit,
    observed: o,
    snapshot: snap,
    policy: svc.spec.restart.policy,
    rule: loopRule(svc.spec.restart),
    drifted,
    now,
    waitsFor: svc.spec.waitFor?.map((w) => w.service) ?? [],
    intent,
    stopTimeoutSec: stopTimeoutOf(svc.spec),
    ...startTimeoutField(svc.spec),
  });
  const r = svc.spec.replica;
  return r ? { ...view, group: r.group, replica: r.index } : view;
}

export async function directStatus(deps: {
  manager: ServiceManager;
  store: Store | null;
  clock: Clock;
}): Promise<StatusDoc> {
  const services = deps.store?.listServices() ?? [];
  if (services.length === 0) return { services: [] };
  const [observed, installed] = await Promise.all([
    deps.manager.status(services.map((s) => s.name)),
    deps.manager.listInstalled(),
  ]);
  const snapshots = deps.store?.getState(SNAPSHOTS_KEY) ?? {};
  const drift = new Map(installed.map((u) => [u.service, u.drifted]));
  const byName = new Map(observed.map((o) => [o.service, o]));
  const now = deps.clock.now();
  return withGroups({
    services: services.flatMap((svc) => {
      const o = byName.get(svc.name);
      if (!o) return [];
      const intent = deps.store?.getState(intentKey(svc.name)) ?? null;
      return [serviceView(svc, o, snapshots[svc.name], now, intent, drift.get(svc.name) ?? false)];
    }),
  });
}

/** E_UNKNOWN_SERVICE unless every name is in the status document. */
export function requireInStatus(doc: StatusDoc, names: readonly string[]): void {
  const known = doc.services.map((s) => s.name);
  const missing = names.filter((n) => !known.includes(n));
  if (missing.length > 0) throw unknownServices(missing, known);
}
