/** Where the built web UI is (or will be): $VIGIL_UI_DIR, else renderer/dist in the Vigil package this file belongs to. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function findUiDir(
  env: NodeJS.ProcessEnv,
  from: string = fileURLToPath(import.meta.url),
): string | null {
  if (env.VIGIL_UI_DIR) return path.resolve(env.VIGIL_UI_DIR);
  let dir = path.dirname(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) {
      // Even when not built yet: the server says so, and picks up a later build without a restart.
      return path.join(dir, 'renderer', 'dist');
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}
