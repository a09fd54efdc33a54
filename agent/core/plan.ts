/** What `vigil apply` will do: desired units (from the manifest) against installed ones. Pure. */
import { groupOf } from './manifest/replicas.js';

export interface DesiredUnit {
  service: string;
  hash: string;
}

export interface CurrentUnit {
  service: string;
  recordedHash: string | null;
  drifted: boolean;
}

export interface Plan<D extends DesiredUnit, C extends CurrentUnit> {
  create: D[];
  update: { desired: D; current: C; reason: 'changed' | 'drifted' }[];
  unchanged: D[];
  /**
   * Installed but no longer in the manifest: removed only with --prune; an instance beyond a service's
   * `replicas:` (or the plain unit of a service that now has replicas, and back) always.
   */
  remove: C[];
  orphans: C[];
}

export function planApply<D extends DesiredUnit, C extends CurrentUnit>(
  desired: readonly D[],
  current: readonly C[],
  prune: boolean,
): Plan<D, C> {
  const byService = new Map(current.map((c) => [c.service, c]));
  const wanted = new Set(desired.map((d) => d.service));
  const groups = new Set(desired.map((d) => groupOf(d.service)));
  const plan: Plan<D, C> = { create: [], update: [], unchanged: [], remove: [], orphans: [] };
  for (const d of desired) {
    const c = byService.get(d.service);
    if (!c) plan.create.push(d);
    else if (c.recordedHash !== d.hash) plan.update.push({ desired: d, current: c, reason: 'changed' });
    else if (c.drifted) plan.update.push({ desired: d, current: c, reason: 'drifted' });
    else plan.unchanged.push(d);
  }
  for (const c of current) {
    if (!wanted.has(c.service))
      (prune || groups.has(groupOf(c.service)) ? plan.remove : plan.orphans).push(c);
  }
  return plan;
}

export function planIsEmpty(plan: Plan<DesiredUnit, CurrentUnit>): boolean {
  return plan.create.length === 0 && plan.update.length === 0 && plan.remove.length === 0;
}

export function describePlan(plan: Plan<DesiredUnit, CurrentUnit>): string[] {
  return [
    ...plan.create.map((d) => `+ ${d.service}: install and start`),
    ...plan.update.map((u) =>
      u.reason === 'drifted'
        ? `~ ${u.desired.service}: unit edited outside Vigil; restore and restart`
        : `~ ${u.desired.service}: changed; rewrite and restart`,
    ),
    ...plan.remove.map((c) => `- ${c.service}: stop and remove`),
    ...plan.orphans.map((c) => `? ${c.service}: installed but not in the manifest (use --prune to remove)`),
    ...plan.unchanged.map((d) => `= ${d.service}: unchanged`),
  ];
}
