/**
 * `vigil demo [--no-browser] [--json]` and `vigil demo --down`: a simulated AI-agent stack (resources/demo/,
 * plain Node) installed as real services on this machine's backend, in a VIGIL_HOME of its own
 * (VIGIL_DEMO_HOME, default ~/.vigil-demo) with its own agent on a free loopback port, then the dashboard's
 * login link. `--down` removes every demo unit, process and file. The user's own VIGIL_HOME and services
 * are never touched: every unit the demo writes or removes carries the demo home as its owner marker.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { vigilPaths } from '../../core/paths.js';
import { readMarkers, unitName } from '../../adapters/systemd/unit-render.js';
import { selectBackend, createContext } from '../../daemon/compose.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { agentClient } from '../remote.js';
import { installAgentService, packageRoot, uninstallAgentService } from './agent.js';
import {
  DEMO_CREDENTIAL_SET,
  DEMO_KEY,
  DEMO_SERVICES,
  demoManifest,
  demoTimings,
  type DemoPorts,
} from '../demo/manifest.js';
import { randomBytes } from 'node:crypto';

const USAGE = 'vigil demo [--no-browser] [--json]  |  vigil demo --down [--json]';
/** The demo's own agent: a unit / LaunchAgent no service name can take (see agent-unit.ts). */
export const DEMO_AGENT_UNIT = 'vigil-demo.service';
export const DEMO_AGENT_LABEL = 'dev.vigil.demo';
/** In the demo home: says the folder is the demo's, so --down may delete it. */
const MARKER = '.vigil-demo';
const NO_MONEY =
  'Nothing real is called and no money is spent: every model call is simulated, and the spend shown is what those calls would have cost.';

export function demoHome(env: Readonly<Record<string, string | undefined>>): string {
  return path.resolve(env.VIGIL_DEMO_HOME ?? path.join(env.HOME ?? '/', '.vigil-demo'));
}

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { down: { type: 'boolean' }, 'no-browser': { type: 'boolean' }, ...JSON_FLAG },
    USAGE,
  );
  if (positionals.length > 0) throw new VigilError('E_USAGE', `usage: ${USAGE}`);
  const home = demoHome(io.env);
  const own = vigilPaths(io.env).home;
  if (home === own || own.startsWith(`${home}/`) || home.startsWith(`${own}/`))
    throw new VigilError(
      'E_USAGE',
      `the demo's home ${home} would share your VIGIL_HOME ${own}; set VIGIL_DEMO_HOME to another folder`,
    );
  const env: NodeJS.ProcessEnv = { ...io.env, VIGIL_HOME: home };
  delete env.VIGIL_NO_AGENT;
  const demoIo: Io = { ...io, env, out: () => undefined };
  return values.down ? down(io, demoIo, home, values.json === true) : up(io, demoIo, home, values);
}

async function up(io: Io, demoIo: Io, home: string, values: Record<string, unknown>): Promise<number> {
  const timings = (() => {
    try {
      return demoTimings(io.env);
    } catch (err) {
      throw new VigilError('E_USAGE', (err as Error).message);
    }
  })();
  refuseForeignUnits(demoIo.env, home);
  claimHome(home);
  const stack = path.join(home, 'stack');
  mkdirSync(stack, { recursive: true, mode: 0o700 });
  const assets = path.join(packageRoot(), 'resources', 'demo');
  for (const f of readdirSync(assets).filter((f) => f.endsWith('.mjs')))
    copyFileSync(path.join(assets, f), path.join(stack, f));
  const ports = await demoPorts(home);
  const manifest = path.join(home, 'vigil.yaml');
  writeFileSync(manifest, demoManifest({ node: process.execPath, stack, ports, timings }), { mode: 0o600 });

  const { main } = await import('../main.js');
  const quiet = async (args: string[], input = ''): Promise<void> => {
    let err = '';
    const code = await main(args, { ...demoIo, stdin: Readable.from([input]), err: (t) => (err += t) });
    if (code !== 0) throw new VigilError('E_APPLY_FAILED', `vigil ${args[0]} (demo) failed: ${err.trim()}`);
  };
  const paths = vigilPaths(demoIo.env);
  if (!existsSync(path.join(paths.credentials, `${DEMO_CREDENTIAL_SET}.env`)))
    await quiet(
      ['secrets', 'set', DEMO_CREDENTIAL_SET, DEMO_KEY],
      `demo-${randomBytes(12).toString('hex')}\n`,
    );
  io.err(`Installing the demo stack (${DEMO_SERVICES.length} services) in ${home}…\n`);
  await quiet(['apply', '-f', manifest]);
  const agent = await installAgentService(demoIo, {
    http: `127.0.0.1:${ports.http}`,
    unit: DEMO_AGENT_UNIT,
    label: DEMO_AGENT_LABEL,
    env: { VIGIL_DEMO: '1' },
  });
  const client = await agentClient(demoIo);
  if (!client)
    throw new VigilError('E_AGENT_UNREACHABLE', `the demo's agent did not answer on ${paths.socket}`);
  const login = await client.call('loginCode', {});
  let opened = false;
  if (!values['no-browser']) {
    const { openInBrowser } = await import('./open.js');
    const r = await openInBrowser(demoIo, login.url);
    opened = r.opened;
    if (!opened) io.err(`Not opened in a browser: ${r.why}.\n`);
  }
  const backend = selectBackend(demoIo.env);
  if (values.json) {
    printJson(io, {
      home,
      backend,
      services: DEMO_SERVICES,
      agent: agent.name,
      dashboard: `http://127.0.0.1:${ports.http}`,
      url: login.url,
      opened,
      simulated: true,
      note: NO_MONEY,
    });
    return EXIT_OK;
  }
  const units =
    backend === 'launchd'
      ? `LaunchAgents dev.vigil.demo-*, agent ${DEMO_AGENT_LABEL}`
      : `user units vigil-demo-*.service, agent ${DEMO_AGENT_UNIT}`;
  io.out(
    [
      `Vigil demo: running ${DEMO_SERVICES.join(', ')}`,
      `  on ${backend} (${units}), VIGIL_HOME=${home}`,
      '',
      `  ${NO_MONEY}`,
      `  Daily budget: $${timings.budgetUsd} (alerts at 80 % and 100 %); demo-upstream-monitor crashes now and then;`,
      `  credential set ${DEMO_CREDENTIAL_SET} holds a demo key (rotate it from the Credentials page: a value`,
      '  starting with "demo-" and 8 more characters keeps demo-model-proxy healthy, anything else is rolled back).',
      '',
      `Dashboard${opened ? ' (opened in your browser)' : ''} — a one-time link, valid for a minute:`,
      `  ${login.url}`,
      '',
      `A new link: VIGIL_HOME=${home} npx vigil open     The CLI: VIGIL_HOME=${home} npx vigil status`,
      'Remove it all: npx vigil demo --down',
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}

async function down(io: Io, demoIo: Io, home: string, json: boolean): Promise<number> {
  if (existsSync(home) && !existsSync(path.join(home, MARKER)))
    throw new VigilError('E_USAGE', `${home} is not a Vigil demo home (no ${MARKER} in it); nothing removed`);
  const agentRemoved = await uninstallAgentService(demoIo, {
    unit: DEMO_AGENT_UNIT,
    label: DEMO_AGENT_LABEL,
    home,
  });
  const ctx = await createContext(demoIo.env);
  let services: string[];
  try {
    services = (await ctx.manager.listInstalled()).map((u) => u.service);
    await ctx.manager.remove(services);
  } finally {
    ctx.close();
  }
  const killed = killStragglers(home);
  rmSync(home, { recursive: true, force: true });
  if (json) printJson(io, { removed: services, agent: agentRemoved, killed, home });
  else
    io.out(
      services.length === 0 && !agentRemoved
        ? `No demo was installed; ${home} is gone.\n`
        : `Removed the demo: ${[...services, ...(agentRemoved ? ['its agent'] : [])].join(', ')}; deleted ${home}.\n`,
    );
  return EXIT_OK;
}

/** The demo home: created with its marker, or one the demo made before; anything else is refused. */
function claimHome(home: string): void {
  if (existsSync(home)) {
    if (!existsSync(path.join(home, MARKER)) && readdirSync(home).length > 0)
      throw new VigilError(
        'E_USAGE',
        `${home} exists and is not a Vigil demo home; set VIGIL_DEMO_HOME to an empty or new folder`,
      );
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(
    path.join(home, MARKER),
    'Made by `vigil demo`. `vigil demo --down` removes the demo services and deletes this folder.\n',
    { mode: 0o600 },
  );
}

/** A unit (or plist) of the demo's name that belongs to another VIGIL_HOME is the user's: refuse. */
function refuseForeignUnits(env: NodeJS.ProcessEnv, home: string): void {
  if (selectBackend(env) !== 'systemd') return;
  const dir = vigilPaths(env).systemdUnitDir;
  for (const unit of [DEMO_AGENT_UNIT, ...DEMO_SERVICES.map(unitName)]) {
    const file = path.join(dir, unit);
    if (!existsSync(file)) continue;
    const owner = readMarkers(readFileSync(file, 'utf8')).home;
    if (owner !== home)
      throw new VigilError(
        'E_USAGE',
        `${file} exists and is not the demo's (it belongs to ${owner ?? 'no VIGIL_HOME'}); the demo will not replace it`,
      );
  }
}

/** The ports of an earlier run (so a second `vigil demo` changes nothing), else free loopback ports. */
async function demoPorts(home: string): Promise<DemoPorts> {
  const file = path.join(home, 'ports.json');
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as DemoPorts;
    if ([p.proxy, p.agent, p.watchdog, p.monitor, p.http].every((n) => Number.isInteger(n) && n > 0))
      return p;
  } catch {
    // first run
  }
  const ports: DemoPorts = {
    proxy: await freePort(),
    agent: await freePort(),
    watchdog: await freePort(),
    monitor: await freePort(),
    http: await freePort(),
  };
  writeFileSync(file, `${JSON.stringify(ports)}\n`, { mode: 0o600 });
  return ports;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Processes still running from the demo home (a service left behind by a failed stop): SIGKILLed by pid.
 * Linux reads /proc; elsewhere the service manager's own stop is what there is.
 */
function killStragglers(home: string): number[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.split('\0').some((a) => a.startsWith(`${home}/`))) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  return killed;
}
