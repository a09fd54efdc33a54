/** Reads and parses the manifest file named by -f (default ./vigil.yaml). */
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  readSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { delimiter } from 'node:path';
import { ManifestError } from '../core/errors.js';
import { formatProblem } from '../core/errors.js';
import { parseManifest, tooLarge } from '../core/manifest/parse.js';
import { manifestText } from '../core/manifest/text.js';
import { MANIFEST_LIMITS } from '../core/manifest/limits.js';
import type { LoadedManifest } from '../core/manifest/model.js';
import type { PathKind } from '../core/manifest/program.js';
import type { Io } from './io.js';

/**
 * `checkPaths`: also look at each service's program and cwd (what `vigil apply` needs to start it).
 * `keepProgramNames`: a bare program name stays as written instead of being found on this machine's PATH
 * (an export runs it on another machine's PATH).
 */
export function loadManifest(
  io: Io,
  file: string | undefined,
  opts: { checkPaths?: boolean; keepProgramNames?: boolean } = {},
): LoadedManifest {
  const abs = path.resolve(io.cwd, file ?? 'vigil.yaml');
  let bytes: Buffer;
  try {
    bytes = readBounded(abs);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (create one, or pass -f FILE)' : (err as Error).message;
    throw new ManifestError('E_MANIFEST_READ', [
      { file: abs, line: null, column: null, path: '', message: why },
    ]);
  }
  const loaded = parseManifest(manifestText(bytes, abs), {
    file: abs,
    which: opts.keepProgramNames ? (p) => p : (p) => which(p, io.env.PATH ?? ''),
    ...(opts.checkPaths ? { probe: probePath } : {}),
  });
  for (const w of loaded.warnings) {
    io.err(`warning: ${formatProblem({ ...w, column: null })}\n`);
  }
  return loaded;
}

/** The file's bytes, refused by its size before it is read (a 10 MB manifest is never loaded whole). */
function readBounded(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MANIFEST_LIMITS.fileBytes) throw tooLarge(file, size);
    // One byte more than allowed: a file that grew since fstat (or a pipe) is still caught.
    const buf = Buffer.alloc(MANIFEST_LIMITS.fileBytes + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    if (n > MANIFEST_LIMITS.fileBytes) throw tooLarge(file, n);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function probePath(file: string): PathKind {
  let st;
  try {
    st = statSync(file);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) return 'other';
  try {
    accessSync(file, fsConstants.X_OK);
    return 'exec';
  } catch {
    return 'file';
  }
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
