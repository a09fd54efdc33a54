/** `vigil doctor`: is this machine fit to supervise services? Each check says what is wrong and the fix. */
import { existsSync, lstatSync } from 'node:fs';
import { userInfo } from 'node:os';
import { EXIT_FAILED, EXIT_OK } from '../../core/errors.js';
import { createContext, type Context } from '../../daemon/compose.js';
import { agentUnitPath } from '../../adapters/systemd/agent-unit.js';
import { agentPlistPath } from '../../adapters/launchd/agent-plist.js';
import { macosChecks, MACOS_AGENT_FIX } from './doctor-macos.js';
import { credentialDoctor, privatePathCheck } from './doctor-credentials.js';
import { privateDirChecks } from './doctor-private.js';
import { agentClient } from '../remote.js';
import { memoryEnforcementHere } from '../../adapters/systemd/memory-enforcement.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { table } from '../format.js';
import { diskChecks } from './doctor-disk.js';
import { metricsScrapeCheck } from './doctor-metrics.js';
import type { ServiceStatus } from '../../core/status.js';
import { statfsSpace } from '../../adapters/fs/disk-space.js';
import { describeSpace } from '../../core/disk/condition.js';
import type { DiskStatus } from '../../core/disk/condition.js';

export interface Check {
  name: string;
  level: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

export async function doctorCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { fix: { type: 'boolean' }, ...JSON_FLAG }, 'vigil doctor [--fix] [--json]');
  const fix = values.fix === true;
  const ctx = await createContext(io.env);
  const checks: Check[] = [];
  // Doctor is needed most when things are broken (a full disk): a check that throws becomes a failed
  // check naming the error and the space left, and the others still run.
  const run = async (name: string, fn: () => Check[] | Promise<Check[]>) => {
    try {
      checks.push(...(await fn()));
    } catch (err) {
      const space = statfsSpace.space(existsSync(ctx.paths.home) ? ctx.paths.home : '/');
      checks.push({ name, level: 'fail', message: `${(err as Error).message} (${describeSpace(space)})` });
    }
  };
  let agentDisk: DiskStatus | null = null;
  try {
    if (ctx.manager.backend === 'launchd') await run('launchd', () => macosChecks(ctx));
    else await run('systemd user manager', async () => [await systemdCheck(ctx), lingerCheck()]);
    await run('file modes', () => modeChecks(ctx, fix));
    await run('logs and state', () => privateDirChecks(ctx.paths, fix));
    await run('credentials', () => credentialDoctor(ctx, fix));
    await run('unit files', () => driftChecks(ctx));
    await run('agent', async () => {
      const { check, disk, services } = await agentCheck(ctx, io);
      agentDisk = disk;
      // The scrapes are the agent's: checked only while it runs.
      return [
        memoryCheck(ctx, io, check.level === 'ok'),
        check,
        ...(services ? [metricsScrapeCheck(services)] : []),
      ];
    });
    await run('disk space', () => diskChecks(ctx.paths, statfsSpace, agentDisk));
  } finally {
    try {
      ctx.close();
    } catch {
      // closing a database that was only read loses nothing
    }
  }
  const failed = checks.some((c) => c.level === 'fail');
  if (values.json) printJson(io, { ok: !failed, checks });
  else {
    const rows = [
      ['CHECK', 'RESULT', 'DETAIL'],
      ...checks.map((c) => [
        c.name,
        c.level.toUpperCase(),
        c.fix ? `${c.message} — fix: ${c.fix}` : c.message,
      ]),
    ];
    io.out(`${table(rows)}\n`);
  }
  return failed ? EXIT_FAILED : EXIT_OK;
}

async function systemdCheck(ctx: Context): Promise<Check> {
  try {
    const r = await ctx.runner.run('systemctl', ['--user', 'is-system-running'], {
      env: ctx.env,
      okCodes: [0, 1],
      timeoutMs: 5000,
    });
    const state = r.stdout.trim();
    if (state === 'running') return { name: 'systemd user manager', level: 'ok', message: 'running' };
    if (state === 'degraded')
      return {
        name: 'systemd user manager',
        level: 'warn',
        message: 'degraded: some user units failed',
        fix: 'systemctl --user --failed',
      };
    return { name: 'systemd user manager', level: 'fail', message: `state "${state || r.stderr.trim()}"` };
  } catch (err) {
    return {
      name: 'systemd user manager',
      level: 'fail',
      message: `not reachable: ${(err as Error).message.split('\n')[0]}`,
      fix: 'log in through a session with a user manager, or set XDG_RUNTIME_DIR=/run/user/$(id -u)',
    };
  }
}

function lingerCheck(): Check {
  const user = userInfo().username;
  const lingering = existsSync(`/var/lib/systemd/linger/${user}`);
  return lingering
    ? { name: 'linger', level: 'ok', message: `enabled for ${user}: services run without a login session` }
    : {
        name: 'linger',
        level: 'warn',
        message: `not enabled for ${user}: services stop when you log out and do not start at boot`,
        fix: `loginctl enable-linger ${user}`,
      };
}

function modeChecks(ctx: Context, fix: boolean): Check[] {
  const uid = process.getuid?.() ?? 0;
  const items: [string, string, number][] = [
    ['VIGIL_HOME', ctx.paths.home, 0o077],
    ['agent token', ctx.paths.token, 0o077],
    ['database', ctx.paths.db, 0o077],
  ];
  return items.flatMap(([name, p, forbidden]): Check[] => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return name === 'VIGIL_HOME'
        ? [{ name, level: 'warn', message: `${p} does not exist yet`, fix: 'vigil apply creates it' }]
        : [];
    }
    if (st.isSymbolicLink())
      return [
        {
          name,
          level: 'fail',
          message: `${p} is a symbolic link; Vigil does not follow links for its own files`,
          fix: `replace it with a real ${st.isDirectory() ? 'directory' : 'file'}`,
        },
      ];
    if (st.uid !== uid)
      return [
        {
          name,
          level: 'fail',
          message: `${p} is owned by uid ${st.uid}, not you (${uid})`,
          fix: `chown ${uid} ${p}`,
        },
      ];
    if ((st.mode & forbidden) !== 0) {
      const want = st.isDirectory() ? '700' : '600';
      if (fix)
        return [
          privatePathCheck(name, p, st.isDirectory() ? 'dir' : 'file', true) ?? {
            name,
            level: 'ok',
            message: `${p} mode ${want}`,
          },
        ];
      return [
        {
          name,
          level: 'fail',
          message: `${p} is readable by others (mode ${(st.mode & 0o777).toString(8)})`,
          fix: `chmod ${want} ${p}`,
        },
      ];
    }
    return [{ name, level: 'ok', message: `${p} mode ${(st.mode & 0o777).toString(8)}` }];
  });
}

async function driftChecks(ctx: Context): Promise<Check[]> {
  let installed;
  try {
    installed = await ctx.manager.listInstalled();
  } catch (err) {
    return [{ name: 'unit files', level: 'fail', message: (err as Error).message }];
  }
  const known = new Set(
    ctx
      .existingStore()
      ?.listServices()
      .map((s) => s.name) ?? [],
  );
  const out: Check[] = installed
    .filter((u) => u.drifted)
    .map((u) => ({
      name: `drift: ${u.service}`,
      level: 'warn' as const,
      message: `${u.path} was edited outside Vigil`,
      fix: 'vigil apply (restores it)',
    }));
  for (const u of installed.filter((x) => !known.has(x.service))) {
    out.push({
      name: `orphan: ${u.service}`,
      level: 'warn',
      message: `${u.path} is installed but not recorded in the database`,
      fix: 'vigil apply (adopts it) or vigil apply --prune',
    });
  }
  if (out.length === 0)
    out.push({
      name: 'unit files',
      level: 'ok',
      message: `${installed.length} unit(s), none edited outside Vigil`,
    });
  return out;
}

/** Which enforcement of limits.memory is in force: systemd's MemoryMax=, the agent, or none. */
function memoryCheck(ctx: Context, io: Io, agentRunning: boolean): Check {
  const { by, why } = memoryEnforcementHere(ctx.manager.backend, io.env);
  const limited =
    ctx
      .existingStore()
      ?.listServices()
      .filter((s) => s.spec.limits.memoryBytes !== undefined)
      .map((s) => s.name) ?? [];
  const which =
    limited.length === 0 ? 'no service sets limits.memory' : `limits.memory of ${limited.join(', ')}`;
  if (by === 'systemd')
    return { name: 'memory limits', level: 'ok', message: `systemd MemoryMax= (${why}): ${which}` };
  if (agentRunning)
    return {
      name: 'memory limits',
      level: 'ok',
      message: `agent-enforced (${why}): the agent restarts a service over its limit; ${which}`,
    };
  return {
    name: 'memory limits',
    level: limited.length === 0 ? 'ok' : 'warn',
    message: `none while the agent is not running (${why}): ${which}`,
    ...(limited.length === 0 ? {} : { fix: 'vigil agent install (the agent enforces the limits)' }),
  };
}

async function agentCheck(
  ctx: Context,
  io: Io,
): Promise<{ check: Check; disk: DiskStatus | null; services?: ServiceStatus[] }> {
  const client = await agentClient(io);
  if (client) {
    const h = await client.health();
    const status = await client.status().catch(() => null);
    return {
      check: { name: 'agent', level: 'ok', message: `running (pid ${h.pid}, since ${h.startedAt})` },
      disk: status?.disk ?? null,
      ...(status ? { services: status.services } : {}),
    };
  }
  const onLaunchd = ctx.manager.backend === 'launchd';
  const installed = existsSync(onLaunchd ? agentPlistPath(ctx.env) : agentUnitPath(ctx.paths));
  const check: Check = installed
    ? {
        name: 'agent',
        level: 'fail',
        message: 'installed but not answering',
        fix: onLaunchd
          ? MACOS_AGENT_FIX
          : 'systemctl --user status vigil-agent; see $VIGIL_HOME/logs/vigil-agent.log',
      }
    : {
        name: 'agent',
        level: 'warn',
        message: 'not installed: nothing watches the services or records events while no command runs',
        fix: 'vigil agent install',
      };
  return { check, disk: null };
}
