/**
 * `vigil doctor` on macOS (launchd backend): the checks that replace "systemd reachable" and "linger".
 * Services are LaunchAgents: they run in the user's login session, so whether (and when) there is one
 * matters more than anything else.
 */
import { accessSync, constants, existsSync, lstatSync } from 'node:fs';
import type { Context } from '../../daemon/compose.js';
import { LaunchdManager } from '../../adapters/launchd/launchd-manager.js';
import { AGENT_LABEL, BASE_PATH_DIRS, servicePath } from '../../adapters/launchd/labels.js';
import { launcherPath } from '../../adapters/launcher/contract.js';
import type { Check } from './doctor.js';

export async function macosChecks(ctx: Context): Promise<Check[]> {
  const checks: Check[] = [
    await domainCheck(ctx),
    await fileVaultCheck(ctx),
    launcherCheck(ctx),
    pathCheck(ctx),
  ];
  checks.push(...(await plistModeChecks(ctx)));
  checks.push(...limitChecks(ctx));
  return checks;
}

export const MACOS_AGENT_FIX = `launchctl print gui/$(id -u)/${AGENT_LABEL}; see $VIGIL_HOME/logs/vigil-agent.log`;

async function domainCheck(ctx: Context): Promise<Check> {
  const name = 'launchd session';
  // The backend's own manager: ctx.manager is the intent-recording wrapper around it.
  const manager = ctx.rawManager;
  if (!(manager instanceof LaunchdManager))
    return { name, level: 'fail', message: 'the launchd backend is not in use' };
  try {
    const domain = await manager.launchctl.domain();
    if (domain.startsWith('gui/'))
      return { name, level: 'ok', message: `${domain}: you have a GUI login session; services run in it` };
    return {
      name,
      level: 'warn',
      message: `no GUI login session for this user (over SSH, or nobody logged in at the Mac): services go to the ${domain} domain, which launchd does not load at login`,
      fix: 'log in at the Mac (Screen Sharing counts) and run vigil apply from there; LaunchAgents are loaded at GUI login',
    };
  } catch (err) {
    return {
      name,
      level: 'fail',
      message: `launchctl does not answer: ${(err as Error).message.split('\n')[0]}`,
    };
  }
}

async function fileVaultCheck(ctx: Context): Promise<Check> {
  const name = 'login at boot';
  try {
    const r = await ctx.runner.run('/usr/bin/fdesetup', ['isactive'], {
      env: ctx.env,
      okCodes: [0, 1, 2],
      timeoutMs: 5000,
    });
    if (r.stdout.trim() === 'true') {
      return {
        name,
        level: 'warn',
        message:
          'FileVault is on: after a restart nothing of yours runs until you log in at the Mac (LaunchAgents start at login; automatic login is not available with FileVault)',
        fix: 'log in after every restart (Vigil notifies nobody before that), or keep restarts rare: UPS, and install macOS updates by hand',
      };
    }
    return {
      name,
      level: 'ok',
      message:
        'FileVault is off: turn on automatic login (System Settings › Users & Groups) so that services come back after a restart',
    };
  } catch (err) {
    return {
      name,
      level: 'warn',
      message: `cannot tell whether FileVault is on: ${(err as Error).message.split('\n')[0]}`,
    };
  }
}

function launcherCheck(ctx: Context): Check {
  const file = launcherPath(ctx.env);
  try {
    accessSync(file, constants.X_OK);
    return {
      name: 'launcher',
      level: 'ok',
      message: `${file} (logs, credentials and exit records of every service)`,
    };
  } catch {
    return {
      name: 'launcher',
      level: 'fail',
      message: `${file} is missing or not executable`,
      fix: 'npm run build (needs the Xcode command line tools: xcode-select --install)',
    };
  }
}

/** launchd starts services with its own PATH; Vigil gives them Homebrew's too, but not the user's shell additions. */
function pathCheck(ctx: Context): Check {
  const given = servicePath(undefined).split(':');
  const brew = BASE_PATH_DIRS.filter(
    (d) => d.endsWith('/bin') && d !== '/usr/bin' && d !== '/bin' && existsSync(d),
  );
  const missing = (ctx.env.PATH ?? '')
    .split(':')
    .filter(
      (d) =>
        d.startsWith('/') &&
        !given.includes(d) &&
        !d.startsWith('/System/') &&
        !d.startsWith('/var/run/') &&
        existsSync(d),
    );
  const base = `services get PATH=${given.join(':')} (plus their program's directory)${brew.length ? `; Homebrew found in ${brew.join(', ')}` : '; no Homebrew found'}`;
  if (missing.length === 0) return { name: 'PATH', level: 'ok', message: base };
  return {
    name: 'PATH',
    level: 'warn',
    message: `${base}; not in it, from your shell: ${[...new Set(missing)].join(', ')}`,
    fix: 'give absolute paths in `command`, or set env.PATH for the services that run tools from there',
  };
}

async function plistModeChecks(ctx: Context): Promise<Check[]> {
  const manager = ctx.rawManager;
  if (!(manager instanceof LaunchdManager)) return [];
  const uid = process.getuid?.() ?? 0;
  const out: Check[] = [];
  const dir = manager.agentDir;
  const bad = (p: string, what: string): Check | null => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return null;
    }
    if (st.uid !== uid)
      return {
        name: what,
        level: 'fail',
        message: `${p} is owned by uid ${st.uid}, not you (${uid}); launchd refuses such agents`,
        fix: `chown ${uid} "${p}"`,
      };
    if ((st.mode & 0o022) !== 0)
      return {
        name: what,
        level: 'fail',
        message: `${p} is writable by others (mode ${(st.mode & 0o777).toString(8)}); launchd refuses such agents`,
        fix: `chmod go-w "${p}"`,
      };
    return null;
  };
  const d = bad(dir, 'LaunchAgents');
  if (d) out.push(d);
  let installed: Awaited<ReturnType<LaunchdManager['listInstalled']>>;
  try {
    installed = await ctx.manager.listInstalled();
  } catch {
    return out;
  }
  for (const u of installed) {
    const c = bad(u.path, `plist: ${u.service}`);
    if (c) out.push(c);
  }
  if (out.length === 0)
    out.push({
      name: 'LaunchAgents',
      level: 'ok',
      message: `${dir}: ${installed.length} Vigil plist(s), owned by you, not writable by others`,
    });
  return out;
}

function limitChecks(ctx: Context): Check[] {
  const services = ctx.existingStore()?.listServices() ?? [];
  const cpu = services.filter((s) => s.spec.limits.cpuPercent !== undefined).map((s) => s.name);
  const mem = services.filter((s) => s.spec.limits.memoryBytes !== undefined).map((s) => s.name);
  const out: Check[] = [];
  if (cpu.length > 0) {
    out.push({
      name: 'limits.cpu',
      level: 'warn',
      message: `not enforced on macOS (launchd has no CPU quota): ${cpu.join(', ')}`,
      fix: 'remove limits.cpu, or accept that it only applies on Linux',
    });
  }
  if (mem.length > 0) {
    out.push({
      name: 'limits.memory',
      level: 'ok',
      message: `enforced by the Vigil agent while it runs (restart above the limit, an oom-killed event): ${mem.join(', ')}`,
    });
  }
  return out;
}
