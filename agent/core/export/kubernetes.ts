/**
 * `vigil export kubernetes`: one file per service (ConfigMap, Deployment, Service) and, in secrets/, a
 * secrets.example.yaml of the Secrets they reference with placeholder values and a `kubectl create
 * secret` line per credential set (it sits in a subdirectory so that `kubectl apply -f DIR` skips it).
 * Never a secret value. Pure.
 */
import path from 'node:path/posix';
import { stringify } from 'yaml';
import type { Manifest } from '../manifest/model.js';
import { credentialSets } from './compose.js';
import { checkKubernetesNames, secretName } from './k8s-names.js';
import { IMAGE_REGISTRY, labelsOf, serviceObjects } from './k8s-workload.js';
import { baseDirOf, type ExportFile } from './paths.js';
import { exportedSpec } from './replicas.js';

export const PLACEHOLDER = 'REPLACE-ME';

/** `keys`: the key names of a credential set, when known (never values); else a placeholder key. */
export function renderKubernetes(
  manifest: Manifest,
  keys: Readonly<Record<string, readonly string[]>> = {},
): ExportFile[] {
  checkKubernetesNames(manifest);
  const baseDir = baseDirOf(manifest);
  const from = path.basename(manifest.file);
  const files: ExportFile[] = manifest.services.map(exportedSpec).map((spec) => ({
    path: `${spec.name}.yaml`,
    text: [
      `# Kubernetes objects of the service "${spec.name}", written by \`vigil export kubernetes\` from ${from}.`,
      `# Build and push its image (see \`vigil export compose\`), then set the image: ${IMAGE_REGISTRY}/… is a placeholder.`,
      ...spec.credentials.map(
        (set) => `# Needs the Secret "${secretName(set)}": see secrets/secrets.example.yaml.`,
      ),
      documents(serviceObjects(spec, manifest, baseDir)),
    ].join('\n'),
  }));
  const sets = credentialSets(manifest);
  if (sets.length > 0) files.push({ path: 'secrets/secrets.example.yaml', text: secretsExample(sets, keys) });
  return files;
}

function documents(objects: unknown[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

function secretsExample(sets: string[], keys: Readonly<Record<string, readonly string[]>>): string {
  const lines = [
    '# The Secrets the Deployments reference, with placeholder values (and placeholder key names where the',
    '# keys are not known): never apply this file as it is.',
    '# Create each one from the env file you fill in from `vigil secrets example`:',
    '#',
  ];
  for (const set of sets)
    lines.push(
      `#   vigil secrets example ${set} -o secrets/${set}.env   (then set the values)`,
      `#   kubectl create secret generic ${secretName(set)} --from-env-file=secrets/${set}.env`,
    );
  const objects = sets.map((set) => {
    const known = keys[set] ?? [];
    const names = known.length > 0 ? known : [`${set.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_KEY`];
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName(set), labels: labelsOf(secretName(set)) },
      type: 'Opaque',
      stringData: Object.fromEntries(names.map((k) => [k, PLACEHOLDER])),
    };
  });
  return `${lines.join('\n')}\n${documents(objects)}`;
}
