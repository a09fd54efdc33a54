/**
 * Names and places of Vigil's LaunchAgents. Pure: the environment is injected.
 *
 * A service's label is `<prefix>.<name>` (prefix from the manifest's `launchd.labelPrefix`, default
 * `dev.vigil`); its plist is `~/Library/LaunchAgents/<label>.plist` (launchd's convention: file name =
 * label). Vigil's own agent is `dev.vigil.agent` ("agent" is a reserved service name, so no service
 * label can collide with it).
 */
import path from 'node:path/posix';

export const DEFAULT_LABEL_PREFIX = 'dev.vigil';
export const AGENT_LABEL = `${DEFAULT_LABEL_PREFIX}.agent`;

export function serviceLabel(service: string, prefix: string = DEFAULT_LABEL_PREFIX): string {
  return `${prefix}.${service}`;
}

/** Where LaunchAgents live: ~/Library/LaunchAgents (VIGIL_LAUNCHD_AGENT_DIR overrides it, for tests). */
export function launchAgentDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.VIGIL_LAUNCHD_AGENT_DIR ?? path.join(env.HOME ?? '/', 'Library', 'LaunchAgents');
}

export function plistPath(dir: string, label: string): string {
  return path.join(dir, `${label}.plist`);
}

/**
 * The PATH every service gets. launchd's own default is /usr/bin:/bin:/usr/sbin:/sbin, which misses
 * Homebrew (/opt/homebrew on Apple silicon, /usr/local on Intel); the program's own directory comes
 * first so that a venv's or a version manager's sibling tools are found.
 */
export const BASE_PATH_DIRS = [
  '/opt/homebrew/bin',
  '/opt/homebrew/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/usr/bin',
  '/bin',
  '/usr/sbin',
  '/sbin',
] as const;

export function servicePath(program: string | undefined): string {
  const dirs: string[] = [];
  const add = (d: string) => {
    if (path.isAbsolute(d) && !dirs.includes(d)) dirs.push(d);
  };
  if (program && path.isAbsolute(program)) add(path.dirname(program));
  BASE_PATH_DIRS.forEach(add);
  return dirs.join(':');
}
