/**
 * Renders a ServiceSpec into a systemd user unit (vigil-<name>.service). Pure.
 *
 * The unit carries two markers that systemd ignores (X- keys): X-Vigil-Home= says which VIGIL_HOME owns it
 * (several can share one unit directory) and X-Vigil-Hash= is the hash of the content without that line,
 * so a hand edit shows up as drift: recorded hash != hash recomputed from the file as it is now.
 */
import { createHash } from 'node:crypto';
import path from 'node:path/posix';
import type { ServiceSpec } from '../../core/manifest/model.js';
import { stopTimeoutOf } from '../../core/manifest/stop-settings.js';
import type { VigilPaths } from '../../core/paths.js';
import { credentialSetPath, runEndPath } from '../../core/paths.js';
import type { UnitFile } from '../../ports/service-manager.js';
import { VigilError } from '../../core/errors.js';
import { reindexed } from '../../core/manifest/replicas.js';
import { startTimeoutSec } from '../../core/manifest/wait-args.js';
import { exitHookArgv, launcherArgv, launcherLogPath } from '../launcher/contract.js';
import { escapeEnvFilePath, escapePath, escapeText, quoteEnvAssignment, quoteExecLine } from './quote.js';

export const UNIT_PREFIX = 'vigil-';
export const UNIT_SUFFIX = '.service';
/** Vigil's own unit; never a managed service. */
export const AGENT_UNIT = 'vigil-agent.service';

const HOME_KEY = 'X-Vigil-Home';
const HASH_KEY = 'X-Vigil-Hash';
const HASH_LINE_RE = /^X-Vigil-Hash=.*(?:\n|$)/gm;

export interface RenderContext {
  paths: VigilPaths;
  /** Absolute path of vigil-launch (launcherPath in agent/adapters/launcher/contract.ts), which runs every service. */
  launcher: string;
}

/** "web" → "vigil-web.service"; an instance "worker@2" → "vigil-worker@2.service". */
export function unitName(service: string): string {
  return `${UNIT_PREFIX}${service}${UNIT_SUFFIX}`;
}

/** The template unit of a replicated service: "worker" → "vigil-worker@.service". */
export function templateUnitName(group: string): string {
  return `${UNIT_PREFIX}${group}@${UNIT_SUFFIX}`;
}

/** The file a service's unit is in: its own, or its group's template for an instance. */
export function unitFileName(service: string): string {
  const at = service.indexOf('@');
  return at < 0 ? unitName(service) : templateUnitName(service.slice(0, at));
}

/** "vigil-web.service" → "web"; null for other names and for Vigil's own agent unit. */
export function serviceOfUnit(unit: string): string | null {
  if (unit === AGENT_UNIT || !unit.startsWith(UNIT_PREFIX) || !unit.endsWith(UNIT_SUFFIX)) return null;
  const name = unit.slice(UNIT_PREFIX.length, -UNIT_SUFFIX.length);
  return /^[a-z0-9][a-z0-9-]*$/.test(name) ? name : null;
}

/** "vigil-worker@.service" → "worker"; null for any other name. */
export function groupOfTemplate(unit: string): string | null {
  const m = /^vigil-([a-z0-9][a-z0-9-]*)@\.service$/.exec(unit);
  return m ? (m[1] ?? null) : null;
}

/** "vigil-worker@3.service" → "worker@3" (an instance of a template); null for any other name. */
export function instanceOfUnit(unit: string): string | null {
  const m = /^vigil-([a-z0-9][a-z0-9-]*@[0-9]{1,2})\.service$/.exec(unit);
  return m ? (m[1] ?? null) : null;
}

/** sha256 (first 16 hex digits) of the content with any X-Vigil-Hash= line removed. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content.replace(HASH_LINE_RE, ''), 'utf8').digest('hex').slice(0, 16);
}

/** The X-Vigil-Home= and X-Vigil-Hash= markers of a unit file (null when absent). */
export function readMarkers(content: string): { home: string | null; hash: string | null } {
  const value = (key: string): string | null => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(content);
    return m ? (m[1] ?? '').trim() : null;
  };
  return { home: value(HOME_KEY), hash: value(HASH_KEY) };
}

/**
 * ExecStopPost= hook that appends one line to the exit journal:
 * `<epoch seconds.nanoseconds> <service> <SERVICE_RESULT> <EXIT_CODE> <EXIT_STATUS>[ <launcher fields>]`,
 * `-` for empty values. It is the launcher's `--exit-hook` mode (agent/launcher/exitpend.c): on a full disk
 * the record is kept in a preallocated slot of `<journal>.pending` and moved into the journal, exactly
 * once, when space returns (a plain shell `>>` lost it). The launcher fields (`via=vigil-launch`,
 * `exec-error=`, `log-end=`; agent/launcher/runend.c) are the line vigil-launch left in `endPath` when the
 * run ended, taken only when it begins with this run's INVOCATION_ID, and the file is removed either way.
 * The `-` prefix keeps a failed hook from marking the service failed.
 */
export function exitHookCommand(
  service: string,
  exitsPath: string,
  launcher: string,
  endPath: string,
): string {
  return `-${quoteExecLine(exitHookArgv(launcher, exitsPath, service, endPath))}`;
}

function oneLineValue(what: string, value: string): string {
  if (/[\0\n\r]/.test(value)) {
    throw new VigilError(
      'E_SERVICE_MANAGER',
      `cannot write ${what} ${JSON.stringify(value)}: it contains a line break`,
    );
  }
  return value;
}

/**
 * The service runs under vigil-launch, which owns its stdout/stderr pipe and writes and rotates
 * `<logs>/<name>.log` itself (no line lost: no copytruncate); its argv is the launcher's contract
 * (agent/adapters/launcher/contract.ts). systemd refuses an executable path with quotes, backslashes or
 * control characters, and does not unescape "$$" in it, so such a launcher path is an error here.
 */
export function launchCommand(spec: ServiceSpec, ctx: RenderContext): string[] {
  if (
    !path.isAbsolute(ctx.launcher) ||
    /["'\\$]/.test(ctx.launcher) ||
    [...ctx.launcher].some((ch) => ch < ' ' || ch === '\x7f')
  ) {
    throw new VigilError(
      'E_SERVICE_MANAGER',
      `cannot run services through the launcher at ${JSON.stringify(ctx.launcher)}: systemd needs an absolute path without quotes, backslashes, $ or control characters (set VIGIL_LAUNCHER, or install Vigil elsewhere)`,
    );
  }
  return launcherArgv(spec, ctx, 'systemd');
}

/**
 * Dependencies: After= orders every start. A `started` one is Wants= (pulled in, nothing more). A `healthy`
 * one is Requires=: systemd 252 then restarts this unit whenever the dependency restarts (`systemctl
 * restart`, or its own Restart= after a crash; BindsTo= would stop it instead), and stops it with the
 * dependency; each new start waits in vigil-launch (--wait-for) until the dependency's probe passes, within
 * TimeoutStartSec= (the start job stays "activating" until the launcher says READY=1 after the wait).
 */
function dependencyLines(spec: ServiceSpec): string[] {
  const healthy = new Set((spec.waitFor ?? []).map((w) => w.service));
  return [
    ...spec.dependsOn.map((dep) => `After=${unitName(dep)}`),
    ...spec.dependsOn.filter((dep) => !healthy.has(dep)).map((dep) => `Wants=${unitName(dep)}`),
    ...spec.dependsOn.filter((dep) => healthy.has(dep)).map((dep) => `Requires=${unitName(dep)}`),
  ];
}

/** The launcher's whole wait and its last try, plus room to start the program (none without a wait). */
function startTimeoutLines(spec: ServiceSpec): string[] {
  const sec = startTimeoutSec(spec);
  return sec === undefined ? [] : [`TimeoutStartSec=${sec}`];
}

function formatNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * Stands for the instance index while an instance's template unit is rendered, then becomes systemd's `%i`
 * (which the quoting would have doubled): lowercase letters, left as they are by every escape.
 */
const INSTANCE_MARK = 'vigilreplicaindexmark';

/**
 * A service's unit; for an instance of a replicated service (`worker@2`), the template unit
 * `vigil-worker@.service` that all its instances share: rendered with `%i` for the index wherever
 * `{replica}` is (argv, env, VIGIL_REPLICA, the log and exit-journal names), so one file serves every
 * instance and `vigil scale` only enables or disables instances of it.
 */
export function renderUnit(spec: ServiceSpec, ctx: RenderContext): UnitFile {
  if (!spec.replica) return renderOne(spec, ctx);
  const marked = reindexed(spec, INSTANCE_MARK);
  if (JSON.stringify(spec).includes(INSTANCE_MARK))
    throw new VigilError('E_SERVICE_MANAGER', `cannot render ${spec.name}: it contains "${INSTANCE_MARK}"`);
  const content = renderOne(marked, ctx).content.replaceAll(INSTANCE_MARK, '%i');
  const hash = contentHash(content);
  const file = templateUnitName(spec.replica.group);
  return {
    service: spec.name,
    unit: unitName(spec.name),
    path: path.join(ctx.paths.systemdUnitDir, file),
    content: content.replace(/^X-Vigil-Hash=.*$/m, `${HASH_KEY}=${hash}`),
    hash,
  };
}

function renderOne(spec: ServiceSpec, ctx: RenderContext): UnitFile {
  const { paths } = ctx;
  const unit = unitName(spec.name);
  const launcherLog = escapePath(launcherLogPath(paths, spec.name));
  const unitLines = [
    `Description=${escapeText(spec.description ?? `Vigil service ${spec.name}`)}`,
    ...dependencyLines(spec),
    `StartLimitIntervalSec=${formatNumber(spec.restart.intervalSec)}`,
    `StartLimitBurst=${spec.restart.burst}`,
    `${HOME_KEY}=${oneLineValue('VIGIL_HOME', paths.home)}`,
  ];
  const serviceLines = [
    // The launcher says READY=1 once the program itself was executed, so a start fails when it cannot be.
    'Type=notify',
    'NotifyAccess=main',
    `ExecStart=${quoteExecLine(launchCommand(spec, ctx))}`,
    ...startTimeoutLines(spec),
    // SIGTERM to the launcher only (it forwards it once to the program's process group); SIGKILL to all.
    'KillMode=mixed',
    `TimeoutStopSec=${stopTimeoutOf(spec)}`,
    `Restart=${spec.restart.policy}`,
    `RestartSec=${formatNumber(spec.restart.delaySec)}`,
    ...(spec.cwd === undefined ? [] : [`WorkingDirectory=${escapePath(spec.cwd)}`]),
    ...Object.keys(spec.env)
      .sort()
      .map((key) => `Environment=${quoteEnvAssignment(key, spec.env[key] ?? '')}`),
    ...spec.credentials.map((set) => `EnvironmentFile=-${escapeEnvFilePath(credentialSetPath(paths, set))}`),
    `StandardOutput=append:${launcherLog}`,
    `StandardError=append:${launcherLog}`,
    ...(spec.limits.memoryBytes === undefined ? [] : [`MemoryMax=${Math.round(spec.limits.memoryBytes)}`]),
    ...(spec.limits.cpuPercent === undefined
      ? []
      : [`CPUQuota=${Math.round(spec.limits.cpuPercent * 100) / 100}%`]),
    `ExecStopPost=${exitHookCommand(spec.name, paths.exits, ctx.launcher, runEndPath(paths, spec.name))}`,
  ];
  const lines = (hashLine: string[]) =>
    [
      '# Managed by Vigil. Hand edits are reported as drift and replaced by the next apply.',
      '[Unit]',
      ...unitLines,
      ...hashLine,
      '',
      '[Service]',
      ...serviceLines,
      '',
      '[Install]',
      'WantedBy=default.target',
      '',
    ].join('\n');
  const hash = contentHash(lines([]));
  const content = lines([`${HASH_KEY}=${hash}`]);
  return { service: spec.name, unit, path: path.join(paths.systemdUnitDir, unit), content, hash };
}
