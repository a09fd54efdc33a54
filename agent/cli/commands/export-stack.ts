/**
 * `vigil export compose|kubernetes [-f vigil.yaml] [-o DIR]`: the manifest as a Docker Compose project or
 * Kubernetes objects (agent/core/export renders; this writes the files). No secret value is read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { renderCompose } from '../../core/export/compose.js';
import { renderKubernetes } from '../../core/export/kubernetes.js';
import type { ExportFile } from '../../core/export/paths.js';
import { loadManifest } from '../manifest-file.js';
import { printJson, type Io } from '../io.js';

export type StackKind = 'compose' | 'kubernetes';

export function exportStack(
  kind: StackKind,
  io: Io,
  opts: { file: string | undefined; out: string | undefined; json: boolean },
): number {
  const { manifest } = loadManifest(io, opts.file, { keepProgramNames: true });
  const outDir = path.resolve(io.cwd, opts.out ?? kind);
  const files: ExportFile[] =
    kind === 'compose' ? renderCompose(manifest, outDir) : renderKubernetes(manifest);
  const written = files.map((f) => {
    const abs = path.join(outDir, f.path);
    try {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, f.text);
    } catch (err) {
      throw new VigilError('E_IO', `cannot write ${abs}: ${(err as Error).message}`);
    }
    return abs;
  });
  if (opts.json) printJson(io, { kind, dir: outDir, files: written });
  else io.out(`wrote ${written.length} file(s) to ${outDir}:\n${files.map((f) => `  ${f.path}\n`).join('')}`);
  return EXIT_OK;
}
