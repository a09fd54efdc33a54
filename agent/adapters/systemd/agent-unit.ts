/** The Vigil agent's own user unit, vigil-agent.service, so supervision survives logout and reboot. */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ensurePrivateDir, ensurePrivateFile } from '../fs/private-home.js';
import path from 'node:path';
import type { ProcessRunner } from '../../ports/process-runner.js';
import type { VigilPaths } from '../../core/paths.js';
import { escapePath, quoteEnvAssignment, quoteExecArg } from './quote.js';

export const AGENT_UNIT = 'vigil-agent.service';

/** Marks a Vigil agent's unit (vigil-agent.service, the demo's vigil-demo.service): never a managed service. */
export const AGENT_MARKER = 'X-Vigil-Agent=yes';

export function agentUnitPath(paths: VigilPaths, unit: string = AGENT_UNIT): string {
  return path.join(paths.systemdUnitDir, unit);
}

/** argv: how to run `vigil agent run` (node's absolute path and the CLI script). */
export function renderAgentUnit(
  paths: VigilPaths,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): string {
  const lines = [
    '# Written by `vigil agent install`. Remove with `vigil agent uninstall`.',
    '[Unit]',
    'Description=Vigil agent: supervises the services of vigil.yaml',
    'StartLimitIntervalSec=300',
    'StartLimitBurst=10',
    `X-Vigil-Home=${escapePath(paths.home)}`,
    AGENT_MARKER,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${argv.map(quoteExecArg).join(' ')}`,
    ...Object.entries(env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `Environment=${quoteEnvAssignment(k, v)}`),
    'Restart=always',
    'RestartSec=2',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=15',
    `StandardOutput=append:${escapePath(paths.agentLog)}`,
    `StandardError=append:${escapePath(paths.agentLog)}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return lines.join('\n');
}

export interface AgentUnitDeps {
  runner: ProcessRunner;
  paths: VigilPaths;
  env: NodeJS.ProcessEnv;
  /** The unit's name (default vigil-agent.service; the demo's agent is vigil-demo.service). */
  unit?: string;
}

/** Writes the unit (atomically), reloads, enables and (re)starts it. */
export async function installAgentUnit(deps: AgentUnitDeps, content: string): Promise<string> {
  const unit = deps.unit ?? AGENT_UNIT;
  const file = agentUnitPath(deps.paths, unit);
  ensurePrivateDir(path.dirname(file));
  // The agent's log is systemd's StandardOutput=append: (created with the unit's umask, 0644): made first, 0600.
  ensurePrivateDir(deps.paths.logs, { tighten: true });
  ensurePrivateFile(deps.paths.agentLog);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, file);
  const sc = (...args: string[]) => deps.runner.run('systemctl', ['--user', ...args], { env: deps.env });
  await sc('daemon-reload');
  await sc('enable', unit);
  await sc('restart', unit);
  return file;
}

export async function uninstallAgentUnit(deps: AgentUnitDeps): Promise<boolean> {
  const unit = deps.unit ?? AGENT_UNIT;
  const file = agentUnitPath(deps.paths, unit);
  if (!existsSync(file)) return false;
  await deps.runner.run('systemctl', ['--user', 'disable', '--now', unit], {
    env: deps.env,
    okCodes: [0, 1, 5],
  });
  rmSync(file, { force: true });
  await deps.runner.run('systemctl', ['--user', 'daemon-reload'], { env: deps.env });
  return true;
}
