/** The Kubernetes names of a manifest's services and credential sets, checked before anything is written. Pure. */
import { VigilError } from '../errors.js';
import type { Manifest } from '../manifest/model.js';

/** A Service's name is a DNS-1035 label: it starts with a letter and ends with a letter or digit. */
const DNS_1035 = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** A credential set as a Secret's name: "_" (allowed in set names, not in Kubernetes names) becomes "-". */
export function secretName(set: string): string {
  return set.replace(/_/g, '-');
}

export function checkKubernetesNames(manifest: Manifest): void {
  for (const s of manifest.services)
    if (!DNS_1035.test(s.name))
      throw new VigilError(
        'E_USAGE',
        `${manifest.file}: service "${s.name}" cannot be a Kubernetes name (start with a letter, end with a letter or digit); rename it to export`,
      );
  const bySecret = new Map<string, string>();
  for (const set of manifest.services.flatMap((s) => s.credentials)) {
    const name = secretName(set);
    const other = bySecret.get(name);
    if (other !== undefined && other !== set)
      throw new VigilError(
        'E_USAGE',
        `${manifest.file}: credential sets "${other}" and "${set}" would both be the Secret "${name}"; rename one to export`,
      );
    if (!/[a-z0-9]$/.test(name))
      throw new VigilError(
        'E_USAGE',
        `${manifest.file}: credential set "${set}" cannot be a Secret name (end with a letter or digit); rename it to export`,
      );
    bySecret.set(name, set);
  }
}
