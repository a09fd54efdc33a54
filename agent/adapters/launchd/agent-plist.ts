/**
 * The Vigil agent's own LaunchAgent (dev.vigil.agent), so supervision starts at login and is restarted if
 * it dies: `vigil agent install|uninstall` on macOS. The agent writes its own log file; launchd's
 * StandardOut/ErrorPath catch what it prints before the logger is up.
 */
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { VigilPaths } from '../../core/paths.js';
import type { ProcessRunner } from '../../ports/process-runner.js';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { AGENT_LABEL, launchAgentDir, plistPath, servicePath } from './labels.js';
import { Launchctl } from './launchctl.js';
import { buildPlist, MARKER_KEY, parsePlistFile, readMarkers } from './plist-render.js';
import { writeAtomic } from './write-atomic.js';

export interface AgentPlistDeps {
  runner: ProcessRunner;
  paths: VigilPaths;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** The LaunchAgent's label (default dev.vigil.agent; the demo's agent is dev.vigil.demo). */
  label?: string;
}

export function agentPlistPath(
  env: Readonly<Record<string, string | undefined>>,
  label: string = AGENT_LABEL,
): string {
  return plistPath(launchAgentDir(env), label);
}

/**
 * The VIGIL_HOME an agent plist belongs to (its marker's Home), read as a plist (XML or binary, escapes
 * decoded); null when the file is not a plist or carries no marker. `vigil demo --down` removes the demo's
 * agent only when this is the demo's home.
 */
export function agentPlistHome(bytes: Uint8Array): string | null {
  const dict = parsePlistFile(bytes);
  return dict === null ? null : readMarkers(dict).home;
}

/** argv: node's absolute path, the CLI script, `agent run` and its options. */
export function renderAgentPlist(
  paths: VigilPaths,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  label: string = AGENT_LABEL,
): string {
  return buildPlist({
    Label: label,
    ProgramArguments: [...argv],
    EnvironmentVariables: { PATH: servicePath(argv[0]), ...env },
    RunAtLoad: true,
    KeepAlive: true,
    ThrottleInterval: 5,
    ExitTimeOut: 15,
    ProcessType: 'Standard',
    StandardOutPath: paths.agentLog,
    StandardErrorPath: paths.agentLog,
    [MARKER_KEY]: { Home: paths.home, Service: 'agent' },
  });
}

function launchctlFor(deps: AgentPlistDeps): Launchctl {
  return new Launchctl({
    runner: deps.runner,
    clock: deps.clock ?? systemClock,
    env: deps.env,
    uid: process.getuid?.() ?? 501,
    ...(deps.env.VIGIL_LAUNCHD_DOMAIN ? { domain: deps.env.VIGIL_LAUNCHD_DOMAIN } : {}),
  });
}

/** Writes the plist and (re)loads it: bootout if loaded, enable, bootstrap, kickstart if not spawned. */
export async function installAgentPlist(deps: AgentPlistDeps, content: string): Promise<string> {
  const label = deps.label ?? AGENT_LABEL;
  const file = agentPlistPath(deps.env, label);
  mkdirSync(path.dirname(file), { recursive: true });
  mkdirSync(path.dirname(deps.paths.agentLog), { recursive: true, mode: 0o700 });
  await writeAtomic(file, content, 0o644);
  const lc = launchctlFor(deps);
  if (await lc.print(label)) await lc.bootout(label);
  await lc.enable(label);
  await lc.bootstrap(label, file);
  const after = await lc.print(label);
  if (after && after.pid === null && (after.runs ?? 0) === 0) await lc.kickstart(label, false);
  return file;
}

export async function uninstallAgentPlist(deps: AgentPlistDeps): Promise<boolean> {
  const label = deps.label ?? AGENT_LABEL;
  const file = agentPlistPath(deps.env, label);
  if (!existsSync(file)) return false;
  await launchctlFor(deps).bootout(label);
  rmSync(file, { force: true });
  return true;
}
