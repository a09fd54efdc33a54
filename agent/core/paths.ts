/** Every path Vigil owns derives from VIGIL_HOME (default ~/.vigil). Pure: the environment is injected. */
import path from 'node:path/posix';

export interface VigilPaths {
  home: string;
  db: string;
  socket: string;
  token: string;
  logs: string;
  credentials: string;
  /** Append-only record of every service exit (see ports/exit-journal.ts). */
  exits: string;
  /** The agent's own log file. */
  agentLog: string;
  /** Where systemd user units are written. */
  systemdUnitDir: string;
}

export function vigilPaths(env: Readonly<Record<string, string | undefined>>): VigilPaths {
  const userHome = env.HOME ?? '/';
  const home = path.resolve(env.VIGIL_HOME ?? path.join(userHome, '.vigil'));
  const configHome = env.XDG_CONFIG_HOME ?? path.join(userHome, '.config');
  return {
    home,
    db: path.join(home, 'vigil.db'),
    socket: path.join(home, 'agent.sock'),
    token: path.join(home, 'agent.token'),
    logs: path.join(home, 'logs'),
    credentials: path.join(home, 'credentials'),
    exits: path.join(home, 'state', 'exits.log'),
    agentLog: path.join(home, 'logs', 'vigil-agent.log'),
    systemdUnitDir: env.VIGIL_SYSTEMD_UNIT_DIR ?? path.join(configHome, 'systemd', 'user'),
  };
}

export function serviceLogPath(paths: VigilPaths, service: string): string {
  return path.join(paths.logs, `${service}.log`);
}

/**
 * Where vigil-launch leaves how a run ended (where its output ended in the log, whether the program could
 * be executed) for systemd's ExecStopPost= hook to add to the exit record (agent/launcher/runend.c).
 */
export function runEndPath(paths: VigilPaths, service: string): string {
  return path.join(path.dirname(paths.exits), `${service}.end`);
}

export function credentialSetPath(paths: VigilPaths, set: string): string {
  return path.join(paths.credentials, `${set}.env`);
}
