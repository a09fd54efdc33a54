/** The checks of `replicas:` and `{replica}` that need every service parsed (see replicas.ts). Pure. */
import type { ManifestProblem } from '../errors.js';
import type { RawService } from './schema.js';
import { REPLICA_TOKEN, usesReplica } from './replicas.js';
import { dotted, type Locate } from './source.js';

/** Where `{replica}` is substituted: argv after the program, env values, health.url, health.exec arguments. */
function replicaUses(svc: RawService): { at: (string | number)[]; substituted: boolean }[] {
  const out: { at: (string | number)[]; substituted: boolean }[] = [];
  const look = (at: (string | number)[], text: string | undefined, substituted: boolean) => {
    if (text !== undefined && usesReplica(text)) out.push({ at, substituted });
  };
  svc.command.forEach((a, i) => look(['command', i], a, i > 0));
  for (const [k, v] of Object.entries(svc.env)) look(['env', k], v, true);
  look(['cwd'], svc.cwd, false);
  look(['health', 'url'], svc.health?.url, true);
  svc.health?.exec?.forEach((a, i) => look(['health', 'exec', i], a, i > 0));
  return out;
}

/**
 * `{replica}` only in a replicated service and only where it is substituted; no dependency on a replicated
 * service (its instances come and go with `vigil scale`, which must not restart the services around them).
 */
export function replicaProblems(
  valid: Map<string, RawService>,
  file: string,
  locate: Locate,
): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const at = (p: (string | number)[], message: string) =>
    out.push({ file, ...locate(p), path: dotted(p), message });
  for (const [name, svc] of valid) {
    for (const use of replicaUses(svc)) {
      const p = ['services', name, ...use.at];
      if (!use.substituted)
        at(p, `${REPLICA_TOKEN} is not substituted here (only in arguments, env values and health.url)`);
      else if (svc.replicas === undefined)
        at(
          p,
          `${REPLICA_TOKEN} is only substituted in a service with replicas (set services.${name}.replicas)`,
        );
    }
    for (const dep of svc.dependsOn) {
      if (valid.get(dep.service)?.replicas === undefined) continue;
      at(
        ['services', name, 'dependsOn', dep.key],
        `"${dep.service}" has replicas; a service cannot depend on a replicated one (scaling it would restart this one)`,
      );
    }
  }
  return out;
}
