/**
 * `vigil export compose`: a compose.yaml, one Dockerfile stub per service (to edit), and a .gitignore for
 * the secrets/ env files the user fills in from `vigil secrets example`. Never a secret value: the
 * manifest holds none, and credential sets are only named (env_file). Pure.
 */
import path from 'node:path/posix';
import { stringify } from 'yaml';
import type { Manifest, ServiceSpec } from '../manifest/model.js';
import { composeEnvFile, composeService } from './compose-service.js';
import { baseDirOf, containerArgv, type ExportFile } from './paths.js';
import { exportedSpec } from './replicas.js';

export function credentialSets(manifest: Manifest): string[] {
  return [...new Set(manifest.services.flatMap((s) => s.credentials))].sort();
}

/** `outDir` is absolute: the build context and Dockerfile paths are written relative to it. */
export function renderCompose(manifest: Manifest, outDir: string): ExportFile[] {
  const baseDir = baseDirOf(manifest);
  const context = path.relative(outDir, baseDir) || '.';
  const services: Record<string, unknown> = {};
  for (const spec of manifest.services.map(exportedSpec)) {
    const dockerfile = path.relative(baseDir, path.join(outDir, spec.name, 'Dockerfile'));
    services[spec.name] = composeService(spec, manifest, { context, dockerfile }, baseDir);
  }
  const sets = credentialSets(manifest);
  const header = [
    `# Docker Compose file written by \`vigil export compose\` from ${path.basename(manifest.file)}.`,
    '# Edit the Dockerfile stub of each service (<service>/Dockerfile) before the first build.',
    ...(sets.length > 0
      ? [
          '# Secrets are never written here: fill in one env file per credential set, e.g.',
          ...sets.map(
            (s) => `#   vigil secrets example ${s} -o ${composeEnvFile(s)}   (then set the values)`,
          ),
        ]
      : []),
    '# Services reach each other by service name (loopback URLs to another service were rewritten);',
    '# a program that listens on 127.0.0.1 must listen on 0.0.0.0 to be reached from another container.',
  ];
  const files: ExportFile[] = [
    {
      path: 'compose.yaml',
      text: `${header.join('\n')}\n${stringify({ services }, { lineWidth: 0, aliasDuplicateObjects: false })}`,
    },
  ];
  for (const spec of manifest.services)
    files.push({ path: `${spec.name}/Dockerfile`, text: dockerfileStub(spec, baseDir) });
  if (sets.length > 0) files.push({ path: 'secrets/.gitignore', text: '# real secret values\n*.env\n' });
  return files;
}

function dockerfileStub(spec: ServiceSpec, baseDir: string): string {
  const probe = spec.health?.probe.kind;
  return [
    `# EDIT ME: a stub written by \`vigil export compose\` for the service "${spec.name}".`,
    '# It is a starting point, not a working image: install what the program needs.',
    '# Build context: the directory of the manifest, copied to /app. The command, working directory,',
    '# environment and env files come from compose.yaml; so does the health check.',
    'FROM debian:bookworm-slim',
    ...(probe === 'http'
      ? [
          '# The health check runs curl inside the container.',
          'RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \\',
          ' && rm -rf /var/lib/apt/lists/*',
        ]
      : probe === 'tcp'
        ? ['# The health check runs bash (present in debian images).']
        : []),
    'WORKDIR /app',
    'COPY . /app',
    `# compose.yaml runs: ${JSON.stringify(containerArgv(spec, baseDir))}`,
    '# Install that program here (a virtualenv made on the host does not run in the image).',
    '',
  ].join('\n');
}
