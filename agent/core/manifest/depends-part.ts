/**
 * The `healthy` side of `dependsOn` (map form, see deps.ts): the checks that need every service parsed, and
 * the probes each service waits for. Pure.
 */
import type { ManifestProblem } from '../errors.js';
import type { DependencyWait, ServiceSpec } from './model.js';
import type { RawService } from './schema.js';
import { dotted, type Locate } from './source.js';

/** `healthy` needs something to wait for: the dependency must have a health probe the launcher can run. */
export function healthyProblems(
  valid: Map<string, RawService>,
  file: string,
  locate: Locate,
): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  for (const [name, svc] of valid) {
    for (const dep of svc.dependsOn) {
      const target = valid.get(dep.service);
      if (dep.condition !== 'healthy' || target === undefined) continue;
      const url = target.health?.url;
      const message =
        target.health === undefined
          ? `"${dep.service}" has no health probe to wait for; give it one (services.${dep.service}.health) or write "started"`
          : url !== undefined && /^[a-z]+:\/\/[^/?#]*@/i.test(url)
            ? `"${dep.service}" is probed at a URL with credentials, which the launcher's wait does not send; probe it without them (or with tcp), or write "started"`
            : null;
      if (message === null) continue;
      const p = ['services', name, 'dependsOn', dep.key];
      out.push({ file, ...locate(p), path: dotted(p), message });
    }
  }
  return out;
}

/**
 * The probes a service waits for before it starts: those of its `healthy` dependencies (checked above to
 * have one), as normalized (an exec probe's program resolved). Left out when there are none, so the stored
 * spec of other services stays as it was.
 */
export function withWaits(services: ServiceSpec[], valid: Map<string, RawService>): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  return services.map((spec) => {
    const waitFor: DependencyWait[] = [];
    for (const dep of valid.get(spec.name)?.dependsOn ?? []) {
      const health = byName.get(dep.service)?.health;
      if (dep.condition !== 'healthy' || health === undefined) continue;
      waitFor.push({ service: dep.service, probe: health.probe, timeoutSec: health.timeoutSec });
    }
    return waitFor.length > 0 ? { ...spec, waitFor } : spec;
  });
}
