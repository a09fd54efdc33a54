/**
 * `vigil` — the command line. Dispatches to command modules loaded on demand, so a quick command such
 * as `vigil status` does not pay for the manifest parser or the database driver it does not use.
 */
import { EXIT_FAILED, EXIT_OK, isVigilError, VigilError } from '../core/errors.js';
import { processIo, type Io } from './io.js';
import { VERSION } from './version.js';

export const HELP = `vigil ${VERSION} — supervise the always-on services of an AI agent

Usage: vigil <command> [options]

Services (from the manifest, default ./vigil.yaml):
  apply [-f FILE] [--dry-run] [--prune]   install, update (and with --prune remove) services
  render [-f FILE] --out DIR [--backend systemd|launchd]   write unit files / plists for review, install nothing
  status [NAME...] [--json [--host]]      this machine (CPU, memory, load, disk, uptime), then state, pid,
                                          restarts, last exit of each service (replicas grouped)
  scale NAME N [-f FILE]                  run N replicas of a service (1–64); the ones it keeps are not restarted
  start|stop|restart NAME...              command services through the OS service manager
  remove NAME... [--purge]                uninstall (logs and credentials kept unless --purge)
  events [--since T] [--service S] [-n N] [-f]   the event history (crashes with why and the log's last lines…)
  logs NAME [-n N] [-f]                   the last lines of a service's log, or follow it
  import FILE… [-o vigil.yaml] [--allow-js] [--all-env-to-credentials] [--replace]
                                          a manifest from plists, systemd units, docker-compose and PM2
                                          files (secrets into the credential store); --replace takes the
                                          originals over, import --restore gives them back (docs/import.md)

The agent (background supervisor):
  agent run [--http 127.0.0.1:PORT]       run the agent in the foreground
  agent install [--http 127.0.0.1:PORT]   install it as a user service (vigil-agent.service; macOS: LaunchAgent dev.vigil.agent)
  agent uninstall                         remove that service
  open [--no-browser]                     a one-time login link to the web UI (agent with --http), opened in the browser
  doctor [--fix]                          check the machine: service manager, linger, modes, disk, drift,
                                          credential files (--fix tightens modes; never follows links)

Health and alerts:
  alerts [-n N]                           firing alerts and recent notifications (with their deliveries)
  alerts test                             send a test notification to every configured channel
  export alerts [--out FILE]              Prometheus alerting rules for the agent's /metrics

Beyond one machine (no secret value is ever written; see docs/export.md):
  export compose [-f FILE] [-o DIR]       compose.yaml and a Dockerfile stub per service (default ./compose)
  export kubernetes [-f FILE] [-o DIR]    Deployments, Services, ConfigMaps, Secret references (default ./kubernetes)

Credentials ($VIGIL_HOME/credentials/<set>.env, 0600; values from stdin, never argv):
  secrets set <set> <KEY>                 set a key (value hidden on a terminal)
  secrets list [<set>]                    keys, values masked to the last 4 characters, age, services
  secrets rm <set> <KEY>  |  secrets import <set> FILE  |  secrets example <set> [-o FILE]
  secrets rotate <set> <KEY> [--timeout SEC] [--stable SEC]   restart dependants, health-check, roll back
  secrets audit [<set>]                   who changed which keys when, and rotation outcomes

Usage and budgets (tokens and spend per service, model and day; see the manifest's usage:, budget:, pricing:):
  usage [--day YYYY-MM-DD | --month YYYY-MM] [--by service|model]   tokens by kind, cost, requests, unpriced
  budget status                           spend against the caps, and the services stopped for spend
  budget resume [NAME...] [--add USD]     raise today's cap by USD (or lift it) and start what was stopped

Try it (a simulated AI-agent stack, its own VIGIL_HOME ~/.vigil-demo; nothing real is called, no money spent):
  demo [--no-browser]                     install and start it with its own agent, open the dashboard
  demo --down                             remove every demo service, process and file

Options: --json prints exactly one JSON document on stdout.  -h, --help.  --version.
Environment: VIGIL_HOME (default ~/.vigil) holds every path Vigil owns.
Exit codes: 0 ok, 1 operation failed, 2 bad usage or invalid input.
`;

type Command = (argv: string[], io: Io) => Promise<number>;

export const COMMANDS: Record<string, () => Promise<Command>> = {
  apply: async () => (await import('./commands/apply.js')).applyCommand,
  render: async () => (await import('./commands/apply.js')).renderCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  scale: async () => (await import('./commands/scale.js')).scaleCommand,
  start: async () => (await import('./commands/control.js')).controlCommand('start'),
  stop: async () => (await import('./commands/control.js')).controlCommand('stop'),
  restart: async () => (await import('./commands/control.js')).controlCommand('restart'),
  remove: async () => (await import('./commands/remove.js')).removeCommand,
  events: async () => (await import('./commands/events.js')).eventsCommand,
  logs: async () => (await import('./commands/logs.js')).logsCommand,
  agent: async () => (await import('./commands/agent.js')).agentCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  secrets: async () => (await import('./commands/secrets.js')).secretsCommand,
  open: async () => (await import('./commands/open.js')).openCommand,
  alerts: async () => (await import('./commands/alerts.js')).alertsCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  usage: async () => (await import('./commands/usage.js')).usageCommand,
  budget: async () => (await import('./commands/usage.js')).budgetCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  import: async () => (await import('./commands/import.js')).importCommand,
};

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(HELP);
    return name === undefined ? 2 : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${VERSION}\n`);
    return EXIT_OK;
  }
  const json = rest.includes('--json');
  try {
    const load = COMMANDS[name];
    if (!load) throw new VigilError('E_USAGE', `unknown command "${name}"; see vigil --help`);
    if (rest.includes('-h') || rest.includes('--help')) {
      io.out(HELP);
      return EXIT_OK;
    }
    return await (
      await load()
    )(rest, io);
  } catch (err) {
    return reportError(err, io, json);
  }
}

function reportError(err: unknown, io: Io, json: boolean): number {
  if (isVigilError(err)) {
    if (json)
      io.out(
        `${JSON.stringify({ error: { code: err.code, message: err.message, ...(err.details ?? {}) } })}\n`,
      );
    io.err(`vigil: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (json) io.out(`${JSON.stringify({ error: { code: 'E_INTERNAL', message: e.message } })}\n`);
  io.err(`vigil: internal error: ${e.stack ?? String(e)}\n`);
  return EXIT_FAILED;
}
