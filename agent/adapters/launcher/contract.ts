/**
 * The launcher's contract, in one place: where vigil-launch is (dist/bin/vigil-launch, built from
 * agent/launcher/*.c), where its own messages go, and the command lines both service-manager backends
 * give it. The options are parsed by agent/launcher/options.c (a run) and exitpend.c (the exit hook and
 * the flush); a change here needs the matching change there.
 *
 * The two backends differ in what the service manager does for the launcher:
 *   systemd  loads the credential files itself (EnvironmentFile=) and kills the cgroup at
 *            TimeoutStopSec=, so the launcher's own stop escalation comes a little later. The launcher
 *            appends the exit record itself (`--exits`, with run=INVOCATION_ID) the moment its child ends;
 *            the ExecStopPost= hook (`--exit-hook`, fed by the `--end-file` the run leaves) writes the
 *            record only when the launcher did not (it was killed, never ran) and amends it when systemd
 *            knows more (Result=oom-kill, timeout…);
 *   launchd  does none of that: the launcher loads the credential sets (`--env-file`), appends every
 *            exit to the journal itself (`--exits`) and is the one that kills at stopTimeoutSec.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceSpec } from '../../core/manifest/model.js';
import type { VigilPaths } from '../../core/paths.js';
import { credentialSetPath, runEndPath, serviceLogPath } from '../../core/paths.js';
import { logSettings } from '../../core/manifest/logs-settings.js';
import { waitArgs } from '../../core/manifest/wait-args.js';
import { LAUNCHER_MARGIN_SEC, stopTimeoutOf } from '../../core/manifest/stop-settings.js';

/** Which service manager runs the launcher (see the module comment for what each leaves to it). */
export type LauncherHost = 'systemd' | 'launchd';

/** `vigil-launch --exit-flush`: records still pending (the journal cannot be written yet). */
export const EXIT_FLUSH_STILL_PENDING = 75;

/**
 * Where vigil-launch is: next to this install's package.json, found by walking up from this module
 * (works from the sources and from dist/), unless VIGIL_LAUNCHER names it.
 */
export function launcherPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.VIGIL_LAUNCHER) return path.resolve(env.VIGIL_LAUNCHER);
  return path.join(packageRoot(), 'dist', 'bin', 'vigil-launch');
}

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'vigil.js')))
      return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    dir = up;
  }
}

/**
 * Where the launcher's own messages go (rare: a failed rotation, a program that cannot be executed):
 * `<logs>/<name>.launcher.log`, beside the service's output in `<logs>/<name>.log`, which the launcher
 * writes and rotates itself.
 */
export function launcherLogPath(paths: VigilPaths, service: string): string {
  return serviceLogPath(paths, service).replace(/\.log$/, '.launcher.log');
}

/** The launcher's argv for one run: the launcher, its options, `--`, then the service's own argv unchanged. */
export function launcherArgv(
  spec: ServiceSpec,
  ctx: { paths: VigilPaths; launcher: string },
  host: LauncherHost,
): string[] {
  const { maxBytes, keep } = logSettings(spec);
  const hostOptions =
    host === 'launchd'
      ? [
          ...spec.credentials.flatMap((set) => ['--env-file', credentialSetPath(ctx.paths, set)]),
          '--exits',
          ctx.paths.exits,
          '--stop-timeout',
          String(stopTimeoutOf(spec)),
        ]
      : [
          // systemd itself kills the whole unit (KillMode=mixed: SIGKILL to every process of the cgroup) at
          // TimeoutStopSec= and reports Result=timeout. The launcher's own escalation, a little later, only
          // matters when a SIGTERM reached the launcher alone (a `kill` from outside): the service still ends.
          '--stop-timeout',
          String(stopTimeoutOf(spec) + LAUNCHER_MARGIN_SEC),
          // The record at once, without waiting for systemd to see the launcher end and run the hook.
          '--exits',
          ctx.paths.exits,
          '--end-file',
          runEndPath(ctx.paths, spec.name),
        ];
  return [
    ctx.launcher,
    '--service',
    spec.name,
    '--log',
    serviceLogPath(ctx.paths, spec.name),
    '--max-bytes',
    String(maxBytes),
    '--keep',
    String(keep),
    ...hostOptions,
    ...waitArgs(spec),
    '--',
    ...spec.command,
  ];
}

/**
 * The exit hook (systemd's ExecStopPost=): appends one record of the run that just ended to the exit
 * journal, taking the launcher's fields from the run's end file (agent/launcher/exitpend.c, runend.c).
 */
export function exitHookArgv(launcher: string, journal: string, service: string, endFile: string): string[] {
  return [launcher, '--exit-hook', journal, service, endFile];
}

/** Moves records kept on a full disk (`<journal>.pending`) into the journal, creating the file when missing. */
export function exitFlushArgs(journal: string): string[] {
  return ['--exit-flush', journal];
}
