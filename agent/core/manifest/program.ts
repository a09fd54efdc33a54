/** Where a manifest argv's program is: a bare name through PATH, a relative path from the cwd. Pure. */
import path from 'node:path/posix';

/** systemd does not expand `~` or `$VAR` in paths, and neither does Vigil. */
export const UNEXPANDED_RE = /^~|\$/;

/** The absolute path of the program, or why it cannot be found (a message for the argv[0] key). */
export function resolveProgram(
  program: string,
  dir: string,
  which: ((program: string) => string | null) | undefined,
): { path: string } | { error: string } {
  if (UNEXPANDED_RE.test(program))
    return { error: '"~" and "$VARIABLES" are not expanded; give an absolute path or a program name' };
  if (!program.includes('/')) {
    const found = which ? which(program) : null;
    return found === null
      ? { error: `program "${program}" not found on PATH; give an absolute path` }
      : { path: found };
  }
  return { path: path.isAbsolute(program) ? program : path.resolve(dir, program) };
}

/** What is at a path (the caller looks; parsing stays pure): `exec` is a regular file with an x bit. */
export type PathKind = 'missing' | 'directory' | 'exec' | 'file' | 'other';
export type ProbePath = (file: string) => PathKind;

/** Why the resolved program cannot be started, or null. systemd would refuse it only at start. */
export function programProblem(file: string, probe: ProbePath): string | null {
  switch (probe(file)) {
    case 'exec':
      return null;
    case 'missing':
      return `program ${file} does not exist`;
    case 'directory':
      return `${file} is a directory, not a program`;
    case 'file':
      return `${file} is not executable (chmod +x ${file})`;
    default:
      return `${file} is not a regular file`;
  }
}

/** Why the working directory cannot be used, or null. */
export function cwdProblem(dir: string, probe: ProbePath): string | null {
  const kind = probe(dir);
  if (kind === 'directory') return null;
  return kind === 'missing' ? `directory ${dir} does not exist` : `${dir} is not a directory`;
}
