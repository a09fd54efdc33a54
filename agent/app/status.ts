/** The status document computed directly (no agent running): one batched manager call. */
import { stopTimeoutOf } from '../core/manifest/stop-settings.js';
import { startTimeoutField } from '../core/manifest/wait-args.js';
import type { StatusDoc } from '../core/status.js';
import { loopRule } from '../core/supervise/model.js';
import { serviceStatus } from '../core/supervise/view.js';
import { intentKey } from '../core/intent.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';
import { VigilError } from '../core/errors.js';

export const SNAPSHOTS_KEY = 'supervisor.snapshots';

export async function directStatus(deps: { manager: ServiceManager; store: Store | null; clock: Clock }): Promise<StatusDoc> {
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
  return {
    services: services.flatMap((svc) => {
      const o = byName.get(svc.name);
      return o
        ? [
            serviceStatus({
              name: svc.name,
              unit: svc.unit,
              observed: o,
              snapshot: snapshots[svc.name],
              policy: svc.spec.restart.policy,
              rule: loopRule(svc.spec.restart),
              drifted: drift.get(svc.name) ?? false,
              now,
              waitsFor: svc.spec.waitFor?.map((w) => w.service) ?? [],
              intent: deps.store?.getState(intentKey(svc.name)) ?? null,
              stopTimeoutSec: stopTimeoutOf(svc.spec),
              ...startTimeoutField(svc.spec),
            }),
          ]
        : [];
    }),
  };
}

/** The records of these services, or E_UNKNOWN_SERVICE naming the ones that are not installed. */
export function requireServices(store: Store | null, names: readonly string[]): ServiceRecord[] {
  const known = new Map((store?.listServices() ?? []).map((s) => [s.name, s]));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) {
    const list = [...known.keys()];
    throw new VigilError(
      'E_UNKNOWN_SERVICE',
      `unknown service${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}${list.length ? ` (installed: ${list.join(', ')})` : ' (nothing is installed; run vigil apply)'}`,
    );
  }
  return names.map((n) => known.get(n)!);
}
