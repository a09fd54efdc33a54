/** Reads and parses the manifest file named by -f (default ./vigil.yaml). */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { delimiter } from 'node:path';
import { ManifestError } from '../core/errors.js';
import { formatProblem } from '../core/errors.js';
import { parseManifest } from '../core/manifest/parse.js';
import type { LoadedManifest } from '../core/manifest/model.js';
import type { Io } from './io.js';

export function loadManifest(io: Io, file: string | undefined): LoadedManifest {
  const abs = path.resolve(io.cwd, file ?? 'vigil.yaml');
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (create one, or pass -f FILE)' : (err as Error).message;
    throw new ManifestError('E_MANIFEST_READ', [{ file: abs, line: null, column: null, path: '', message: why }]);
  }
  const loaded = parseManifest(text, { file: abs, which: (p) => which(p, io.env.PATH ?? '') });
  for (const w of loaded.warnings) {
    io.err(`warning: ${formatProblem({ ...w, column: null })}\n`);
  }
  return loaded;
}

function which(program: string, pathVar: string): string | null {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      const st = statSync(candidate);
      if (st.isFile() && (st.mode & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
