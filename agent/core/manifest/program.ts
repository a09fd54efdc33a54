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
    return found === null ? { error: `program "${program}" not found on PATH; give an absolute path` } : { path: found };
  }
  return { path: path.isAbsolute(program) ? program : path.resolve(dir, program) };
}
