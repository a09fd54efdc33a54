/** `vigil agent run|install|uninstall` */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { vigilPaths } from '../../core/paths.js';
import { NodeProcessRunner } from '../../adapters/process/node-runner.js';
import {
  agentUnitPath,
  installAgentUnit,
  renderAgentUnit,
  uninstallAgentUnit,
  AGENT_UNIT,
} from '../../adapters/systemd/agent-unit.js';
import { readMarkers } from '../../adapters/systemd/unit-render.js';
import { runAgent } from '../../daemon/run.js';
import { AGENT_MALLOC_ENV, AGENT_NODE_FLAGS } from '../../adapters/process/heap-bounds.js';
import { selectBackend } from '../../daemon/compose.js';
import { AGENT_LABEL } from '../../adapters/launchd/labels.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';

const USAGE = 'vigil agent run|install|uninstall [--http 127.0.0.1:PORT]';

/** The plist library loads only on macOS (see compose.ts): `vigil agent run` on Linux never needs it. */
const plists = () => import('../../adapters/launchd/agent-plist.js');

export async function agentCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parse(rest, { http: { type: 'string' }, ...JSON_FLAG }, USAGE);
  const http = str(values.http) === undefined ? undefined : parseHostPort(str(values.http)!);
  switch (sub) {
    case 'run':
      await runAgent({
        env: io.env,
        ...(http ? { http } : {}),
        onReady: (info) =>
          io.err(
            `vigil agent listening on ${info.socket}${info.http ? ` and http://${info.http.host}:${info.http.port}` : ''}\n`,
          ),
      });
      return EXIT_OK;
    case 'install': {
      const r = await installAgentService(
        io,
        str(values.http) === undefined ? {} : { http: str(values.http)! },
      );
      if (values.json) printJson(io, { installed: r.name, file: r.file, socket: r.socket });
      else
        io.out(
          r.backend === 'launchd'
            ? `installed ${r.file}; the agent is running (socket ${r.socket})\nIt starts when you log in; see \`vigil doctor\` for what that means with FileVault.\n`
            : `installed ${r.file}; the agent is running (socket ${r.socket})\nTo keep it running after logout: loginctl enable-linger\n`,
        );
      return EXIT_OK;
    }
    case 'uninstall': {
      const name = selectBackend(io.env) === 'launchd' ? AGENT_LABEL : AGENT_UNIT;
      const removed = await uninstallAgentService(io, {});
      if (values.json) printJson(io, { removed });
      else io.out(removed ? `removed ${name}\n` : `${name} was not installed\n`);
      return EXIT_OK;
    }
    default:
      throw new VigilError('E_USAGE', `usage: ${USAGE}`);
  }
}

export interface AgentServiceOptions {
  /** HOST:PORT for the dashboard's listener. */
  http?: string;
  /** systemd unit name (default vigil-agent.service). */
  unit?: string;
  /** LaunchAgent label (default dev.vigil.agent). */
  label?: string;
  /** Extra environment of the agent (the demo's VIGIL_DEMO=1). */
  env?: Record<string, string>;
}

/** The installed agent's command line: node, its heap flags (fixed when node starts: heap-bounds.ts), the CLI. */
export function agentRunArgv(http: string | undefined): string[] {
  return [
    process.execPath,
    ...AGENT_NODE_FLAGS,
    path.join(packageRoot(), 'bin', 'vigil.js'),
    'agent',
    'run',
    ...(http !== undefined ? ['--http', http] : []),
  ];
}

/** The environment of the agent's systemd unit: its home, PATH, glibc's allocator bounds (heap-bounds.ts), then `extra`. */
export function agentUnitEnv(
  ioEnv: NodeJS.ProcessEnv,
  home: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    VIGIL_HOME: home,
    PATH: ioEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...AGENT_MALLOC_ENV,
    ...extra,
  };
  // Installed by the desktop app, process.execPath is its Electron binary running as Node: keep it so.
  if (ioEnv.ELECTRON_RUN_AS_NODE) env.ELECTRON_RUN_AS_NODE = '1';
  return env;
}

/**
 * Installs `vigil agent run` as a user service for io.env's VIGIL_HOME (systemd unit, or a LaunchAgent
 * on macOS) and waits for its socket. Used by `vigil agent install` and by `vigil demo`.
 */
export async function installAgentService(
  io: Io,
  opts: AgentServiceOptions,
): Promise<{ backend: 'systemd' | 'launchd'; name: string; file: string; socket: string }> {
  if (opts.http !== undefined) parseHostPort(opts.http);
  const paths = vigilPaths(io.env);
  const argvRun = agentRunArgv(opts.http);
  const deps = { runner: new NodeProcessRunner(io.env), paths, env: io.env };
  if (selectBackend(io.env) === 'launchd') {
    // macOS: the agent as a LaunchAgent (starts at login, restarted by launchd).
    const keep = [
      'VIGIL_BACKEND',
      'VIGIL_LAUNCHD_DOMAIN',
      'VIGIL_LAUNCHD_AGENT_DIR',
      'VIGIL_LAUNCHER',
      'VIGIL_LOG_LEVEL',
      'ELECTRON_RUN_AS_NODE',
    ];
    const env: Record<string, string> = { VIGIL_HOME: paths.home, ...opts.env };
    for (const k of keep) if (io.env[k]) env[k] = io.env[k]!;
    const label = opts.label ?? AGENT_LABEL;
    const { installAgentPlist, renderAgentPlist } = await plists();
    const file = await installAgentPlist({ ...deps, label }, renderAgentPlist(paths, argvRun, env, label));
    await waitForAgent(paths.socket, 15_000);
    return { backend: 'launchd', name: label, file, socket: paths.socket };
  }
  const env = agentUnitEnv(io.env, paths.home, opts.env);
  const unit = opts.unit ?? AGENT_UNIT;
  const file = await installAgentUnit({ ...deps, unit }, renderAgentUnit(paths, argvRun, env));
  await waitForAgent(paths.socket, 15_000);
  return { backend: 'systemd', name: unit, file, socket: paths.socket };
}

/**
 * Removes the agent's user service; with `home`, only when the installed unit (or plist) is that
 * VIGIL_HOME's agent. Resolves with whether one was removed.
 */
export async function uninstallAgentService(
  io: Io,
  opts: { unit?: string; label?: string; home?: string },
): Promise<boolean> {
  const paths = vigilPaths(io.env);
  const deps = { runner: new NodeProcessRunner(io.env), paths, env: io.env };
  if (selectBackend(io.env) === 'launchd') {
    const label = opts.label ?? AGENT_LABEL;
    const mod = await plists();
    const file = mod.agentPlistPath(io.env, label);
    if (opts.home !== undefined && existsSync(file) && mod.agentPlistHome(readFileSync(file)) !== opts.home)
      return false;
    return mod.uninstallAgentPlist({ ...deps, label });
  }
  const unit = opts.unit ?? AGENT_UNIT;
  const file = agentUnitPath(paths, unit);
  if (
    opts.home !== undefined &&
    existsSync(file) &&
    readMarkers(readFileSync(file, 'utf8')).home !== opts.home
  )
    return false;
  return uninstallAgentUnit({ ...deps, unit });
}

export function parseHostPort(v: string): { host: string; port: number } {
  const m = /^(\[[0-9a-f:]+\]|[^:]+):(\d{1,5})$/i.exec(v);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new VigilError('E_USAGE', `--http must be HOST:PORT such as 127.0.0.1:7878, not "${v}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'bin', 'vigil.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new VigilError('E_IO', 'cannot find the Vigil installation (bin/vigil.js)');
    dir = up;
  }
  return dir;
}

async function waitForAgent(socketPath: string, timeoutMs: number): Promise<void> {
  // Imported here, not at the top: this file is also `vigil agent run`'s, and the running agent needs no client.
  const { ApiClient } = await import('../../api/client.js');
  const client = new ApiClient({ socketPath });
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await client.health();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new VigilError(
    'E_AGENT_UNREACHABLE',
    `the agent did not answer on ${socketPath} within ${timeoutMs / 1000} s: ${(last as Error)?.message ?? ''}; see its log in $VIGIL_HOME/logs/vigil-agent.log`,
  );
}
