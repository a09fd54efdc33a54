/**
 * Where Vigil's launcher (dist/bin/vigil-launch, built by `npm run build`) is: next to this install's
 * package.json, found by walking up from this module (works from the sources and from dist/), unless
 * VIGIL_LAUNCHER names it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function launcherPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.VIGIL_LAUNCHER) return path.resolve(env.VIGIL_LAUNCHER);
  return path.join(packageRoot(), 'dist', 'bin', 'vigil-launch');
}

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'vigil.js'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    dir = up;
  }
}
