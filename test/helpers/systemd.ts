/** Test helpers for the real systemd user manager (scripts/systemd-user-up.sh starts one if needed). */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/systemd-user-up.sh', import.meta.url));

let ready: Promise<NodeJS.ProcessEnv> | undefined;

/** Starts the user manager once per process; resolves with an env in which `systemctl --user` works. */
export function ensureUserManager(): Promise<NodeJS.ProcessEnv> {
  ready ??= (async () => {
    const uid = process.getuid?.() ?? 0;
    const runtimeDir = `/run/user/${uid}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_RUNTIME_DIR: runtimeDir,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${runtimeDir}/bus`,
    };
    await run('bash', [SCRIPT], { env, timeout: 60_000 });
    return env;
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/** A short unique [a-z0-9] prefix for service names, so tests never touch anyone else's units. */
export function uniquePrefix(): string {
  const time = Date.now().toString(36).slice(-4);
  const rand = Array.from(randomBytes(4), (b) => (b % 36).toString(36)).join('');
  return `t${time}${rand}`;
}
