/**
 * `vigil apply`: make the installed units match the manifest, all or nothing. New services are installed
 * and started, changed ones rewritten and restarted, unchanged ones untouched, removed ones pruned on
 * request. A failure midway restores the units already rewritten and says what happened.
 */
import { VigilError } from '../core/errors.js';
import type { Manifest, ServiceSpec } from '../core/manifest/model.js';
import { planApply, type Plan } from '../core/plan.js';
import { expandReplicas } from '../core/manifest/replicas.js';
import type { NewEvent } from '../core/events.js';
import type { InstalledUnit, ServiceManager, UnitFile } from '../ports/service-manager.js';
import type { Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';

export type ApplyPlan = Plan<UnitFile & { spec: ServiceSpec }, InstalledUnit>;

export interface ApplyDeps {
  manager: ServiceManager;
  store: Store;
  clock: Clock;
}

export async function computePlan(deps: ApplyDeps, manifest: Manifest, prune: boolean): Promise<ApplyPlan> {
  const desired = expandReplicas(manifest.services).map((spec) => ({ ...deps.manager.render(spec), spec }));
  const installed = await deps.manager.listInstalled();
  return planApply(desired, installed, prune);
}

export async function executePlan(deps: ApplyDeps, plan: ApplyPlan): Promise<void> {
  const { manager } = deps;
  const toWrite = [...plan.create, ...plan.update.map((u) => u.desired)];
  const created = plan.create.map((u) => u.service);
  const updated = plan.update.map((u) => u.desired.service);
  let step = 'write unit files';
  try {
    if (toWrite.length > 0) await manager.write(toWrite);
    step = `start ${created.join(', ')}`;
    if (created.length > 0) await manager.enableAndStart(created);
    step = `restart ${updated.join(', ')}`;
    if (updated.length > 0) await manager.restart(updated);
  } catch (err) {
    const rollback = await rollBack(manager, plan);
    throw new VigilError('E_APPLY_FAILED', `apply failed at "${step}": ${errText(err)}\n${rollback}`, {
      cause: err,
      details: { step },
    });
  }
  if (plan.remove.length > 0) await manager.remove(plan.remove.map((c) => c.service));
  record(deps, plan);
}

/**
 * Removes the created units and restores the previous unit files of updated services. Each step is tried
 * even when one before it failed; what could not be undone is named with the command that finishes it
 * (`vigil remove` finds a unit Vigil wrote by its marker even though apply never recorded it).
 */
async function rollBack(manager: ServiceManager, plan: ApplyPlan): Promise<string> {
  const restored: UnitFile[] = plan.update.map((u) => ({
    service: u.current.service,
    unit: u.current.unit,
    path: u.current.path,
    content: u.current.content,
    hash: u.current.actualHash,
  }));
  const created = plan.create.map((u) => u.service);
  const done: string[] = [];
  const failed: string[] = [];
  if (created.length > 0) {
    try {
      await manager.remove(created);
      done.push(`removed the new units (${created.join(', ')})`);
    } catch (err) {
      failed.push(
        `could not remove the new units (${errText(err)}); they are still installed: run \`vigil remove ${created.join(' ')}\``,
      );
    }
  }
  if (restored.length > 0) {
    const names = restored.map((u) => u.service);
    try {
      await manager.write(restored);
      await manager.restart(names);
      done.push(`restored the previous units (${names.join(', ')})`);
    } catch (err) {
      failed.push(
        `could not restore the previous units of ${names.join(', ')} (${errText(err)}): run \`vigil apply\` with the previous manifest`,
      );
    }
  }
  if (failed.length > 0) return `Rollback incomplete: ${[...done, ...failed].join('; ')}.`;
  return done.length ? `Rolled back: ${done.join('; ')}.` : 'Nothing had been changed.';
}

function record(deps: ApplyDeps, plan: ApplyPlan): void {
  const now = deps.clock.now();
  const events: NewEvent[] = [];
  deps.store.transaction(() => {
    const known = new Map(deps.store.listServices().map((s) => [s.name, s]));
    const save = (u: (typeof plan.create)[number], installedAt = known.get(u.service)?.installedAt ?? now) =>
      deps.store.upsertService({
        name: u.service,
        unit: u.unit,
        spec: u.spec,
        hash: u.hash,
        installedAt,
        updatedAt: now,
      });
    for (const u of plan.create) {
      save(u, now);
      events.push(applyEvent(u.service, 'installed', u.hash, now, `${u.service} installed and started`));
    }
    for (const { desired: u, reason } of plan.update) {
      save(u);
      const why = reason === 'drifted' ? 'unit restored after a hand edit' : 'configuration changed';
      events.push(
        applyEvent(u.service, 'updated', u.hash, now, `${u.service} updated (${why}) and restarted`),
      );
    }
    for (const u of plan.unchanged) {
      // Keeps the record in step when the database was created after the units (or lost), and when only
      // settings outside the unit changed (health, usage…).
      const prev = known.get(u.service);
      if (!prev || prev.hash !== u.hash || JSON.stringify(prev.spec) !== JSON.stringify(u.spec)) save(u);
    }
    for (const c of plan.remove) {
      deps.store.removeService(c.service);
      events.push(applyEvent(c.service, 'removed', c.actualHash, now, `${c.service} removed`));
    }
    deps.store.appendEvents(events);
  });
}

function applyEvent(
  service: string,
  type: 'installed' | 'updated' | 'removed',
  hash: string,
  at: number,
  message: string,
): NewEvent {
  return { key: `apply:${type}:${service}:${hash}:${at}`, at, service, type, severity: 'info', message };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
