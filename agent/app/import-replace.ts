/**
 * `vigil import --replace`: Vigil's units first, installed and healthy, then the originals unloaded —
 * all or nothing. When a service does not become healthy, or an original cannot be unloaded, the originals
 * already unloaded are loaded again and the services this import created are removed. `--restore` loads
 * the originals again and removes Vigil's units of those services.
 */
import { VigilError } from '../core/errors.js';
import type { Original } from '../core/import/model.js';
import type { Manifest, ServiceSpec } from '../core/manifest/model.js';
import type { HealthProber } from '../ports/health-prober.js';
import type { OriginalServices } from '../ports/original-services.js';
import type { ReplacedOriginal } from '../ports/state-keys.js';
import { computePlan, executePlan, type ApplyDeps } from './apply.js';

export interface ReplaceDeps extends ApplyDeps {
  originals: OriginalServices;
  prober: HealthProber;
  sleep: (ms: number) => Promise<void>;
}

export interface ReplaceOptions {
  /** How long the services have to become healthy (ms). */
  timeoutMs: number;
  /** How long each must stay up (same pid, no restart) before it counts (ms). */
  stableMs: number;
}

/** Every service running (and its probe passing, when it has one) for stableMs; else why not. */
export async function waitHealthy(
  deps: Pick<ReplaceDeps, 'manager' | 'prober' | 'sleep' | 'clock'>,
  specs: readonly ServiceSpec[],
  opts: ReplaceOptions,
): Promise<string | null> {
  const deadline = deps.clock.now() + opts.timeoutMs;
  const since = new Map<string, { pid: number | null; at: number }>();
  let why = 'not checked';
  for (;;) {
    const now = deps.clock.now();
    const status = await deps.manager.status(specs.map((s) => s.name));
    const ok: boolean[] = [];
    for (const spec of specs) {
      const st = status.find((s) => s.service === spec.name);
      let good = st?.active === 'active';
      if (!good) why = `${spec.name} is ${st ? `${st.active}/${st.sub}` : 'not loaded'}`;
      if (good && spec.health) {
        const r = await deps.prober.probe(spec.health.probe, spec.health.timeoutSec * 1000);
        good = r.health === 'healthy';
        if (!good) why = `${spec.name}'s health check is ${r.health}`;
      }
      const prev = since.get(spec.name);
      if (!good || (prev && prev.pid !== (st?.pid ?? null))) since.delete(spec.name);
      if (good && !since.has(spec.name)) since.set(spec.name, { pid: st?.pid ?? null, at: now });
      ok.push(good && now - (since.get(spec.name)?.at ?? now) >= opts.stableMs);
    }
    if (ok.every(Boolean)) return null;
    if (now >= deadline) return why;
    await deps.sleep(250);
  }
}

/** Refuses (E_USAGE, nothing changed) an original whose service manager loads another file than the one imported. */
export async function checkOriginals(
  originals: OriginalServices,
  list: readonly { service: string; original: Original }[],
): Promise<void> {
  for (const o of list) {
    const loaded = await originals.loadedFrom(o.original);
    if (loaded !== o.original.path)
      throw new VigilError(
        'E_USAGE',
        `cannot replace ${describe(o.original)}: ${loaded === null ? 'it is not installed' : `the service manager loads it from ${loaded}`}, not from ${o.original.path}; import the installed file to replace it (nothing was changed)`,
      );
  }
}

export async function replaceOriginals(
  deps: ReplaceDeps,
  manifest: Manifest,
  originals: readonly { service: string; original: Original }[],
  opts: ReplaceOptions,
): Promise<ReplacedOriginal[]> {
  await checkOriginals(deps.originals, originals);
  const plan = await computePlan(deps, manifest, false);
  await executePlan(deps, plan);
  const created = plan.create.map((u) => u.service);
  const removeCreated = () => removeServices(deps, created, 'removed: vigil import --replace rolled back');
  const why = await waitHealthy(deps, manifest.services, opts);
  if (why !== null) {
    await removeCreated();
    throw new VigilError(
      'E_APPLY_FAILED',
      `the imported services did not become healthy (${why}); the originals were left running and the new services removed`,
    );
  }
  const done: { service: string; original: Original }[] = [];
  for (const o of originals) {
    try {
      await deps.originals.unload(o.original);
      done.push(o);
    } catch (err) {
      const back: string[] = [];
      for (const d of done.reverse()) {
        try {
          await deps.originals.reload(d.original);
        } catch (e) {
          back.push(`${describe(d.original)}: ${(e as Error).message}`);
        }
      }
      await removeCreated();
      throw new VigilError(
        'E_APPLY_FAILED',
        `cannot unload ${describe(o.original)}: ${(err as Error).message}; rolled back (originals loaded again, new services removed)${back.length ? `; could not reload: ${back.join('; ')}` : ''}`,
      );
    }
  }
  const at = deps.clock.now();
  const replaced = done.map((d) => ({ ...d, at }));
  const kept = (deps.store.getState('import.replaced') ?? []).filter(
    (r) => !replaced.some((n) => n.service === r.service),
  );
  deps.store.setState('import.replaced', [...kept, ...replaced]);
  return replaced;
}

/** Loads every replaced original again, then removes Vigil's units of those services. */
export async function restoreOriginals(deps: ReplaceDeps): Promise<ReplacedOriginal[]> {
  const replaced = deps.store.getState('import.replaced') ?? [];
  if (replaced.length === 0)
    throw new VigilError(
      'E_NOT_FOUND',
      'nothing to restore: vigil import --replace has not replaced any service',
    );
  const installed = new Set((await deps.manager.listInstalled()).map((u) => u.service));
  const ours = replaced.map((r) => r.service).filter((s) => installed.has(s));
  // Vigil's copies stop first, so that the originals find their ports and files free.
  if (ours.length > 0) await deps.manager.stop(ours);
  const restored: ReplacedOriginal[] = [];
  try {
    for (const r of replaced) {
      await deps.originals.reload(r.original);
      restored.push(r);
    }
  } catch (err) {
    for (const r of restored) await deps.originals.unload(r.original).catch(() => undefined);
    if (ours.length > 0) await deps.manager.start(ours);
    throw new VigilError(
      'E_APPLY_FAILED',
      `cannot restore: ${(err as Error).message}; Vigil's services were started again`,
    );
  }
  await removeServices(deps, ours, 'removed: vigil import --restore gave the original back');
  deps.store.setState('import.replaced', []);
  return restored;
}

/** Removes Vigil's units of these services and their records (as `vigil remove` does), with an event each. */
async function removeServices(deps: ApplyDeps, services: readonly string[], why: string): Promise<void> {
  if (services.length === 0) return;
  await deps.manager.remove(services);
  const now = deps.clock.now();
  deps.store.transaction(() => {
    for (const name of services) deps.store.removeService(name);
    deps.store.appendEvents(
      services.map((name) => ({
        key: `remove:${name}:${now}`,
        at: now,
        service: name,
        type: 'removed' as const,
        severity: 'info' as const,
        message: `${name} ${why}`,
      })),
    );
  });
}

function describe(o: Original): string {
  return o.kind === 'systemd' ? `the systemd unit ${o.unit}` : `the LaunchAgent ${o.label}`;
}
