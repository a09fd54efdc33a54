/**
 * ServiceManager for systemd user units. Every command is `systemctl --user ...` through the ProcessRunner.
 *
 * Blocking: start/stop/restart wait for their jobs (no --no-block) so that errors surface. That does not
 * hang on a crash-looping unit: units are Type=notify and vigil-launch says READY=1 once it has executed
 * the program, so a start job completes as soon as that succeeded (and fails, with a clear error, when the
 * program cannot be executed; a service with `healthy` dependencies stays "activating" while the launcher
 * waits for them, bounded by TimeoutStartSec=), and
 * a unit stuck at its start limit is reset (reset-failed) before start/restart. A stop waits for the process
 * to exit (systemd sends SIGKILL after TimeoutStopSec=, the manifest's stopTimeoutSec), so stopping calls
 * get a runner timeout beyond the longest stopTimeoutSec the manifest accepts; systemd bounds the wait.
 */
import { access, constants as fsConstants, lstat, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/write-atomic.js';
import type { ServiceSpec } from '../../core/manifest/model.js';
import type { VigilPaths } from '../../core/paths.js';
import { VigilError, isVigilError } from '../../core/errors.js';
import { ProcessError, type ProcessRunner, type RunResult } from '../../ports/process-runner.js';
import type {
  InstalledUnit,
  ObservedStatus,
  ServiceManager,
  UnitChangeHandler,
  UnitFile,
  UnitWatch,
} from '../../ports/service-manager.js';
import { UnitSubscription } from './unit-subscription.js';
import {
  contentHash,
  groupOfTemplate,
  instanceOfUnit,
  readMarkers,
  renderUnit,
  serviceOfUnit,
  unitFileName,
  unitName,
} from './unit-render.js';
import { groupOf, replicaIndexOf } from '../../core/manifest/replicas.js';
import { launcherLogPath } from '../launcher/contract.js';
import { ensurePrivateDir, preparePrivateHome } from '../fs/private-home.js';
import { SHOW_PROPERTIES, parseShow, toObservedStatus } from './show-parser.js';
import { launcherPath } from '../launcher/contract.js';
import { withLauncherHints } from './launcher-hints.js';
import { MAX_STOP_TIMEOUT_SEC } from '../../core/manifest/stop-settings.js';

export interface SystemdManagerDeps {
  runner: ProcessRunner;
  paths: VigilPaths;
  /** Environment for systemctl (XDG_RUNTIME_DIR / DBUS_SESSION_BUS_ADDRESS); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** vigil-launch, which runs every service (default: dist/bin/vigil-launch of this install, or VIGIL_LAUNCHER). */
  launcher?: string;
}

/** How long a stopping call may take: longer than any TimeoutStopSec= Vigil renders (and systemd's 90 s default). */
const STOP_TIMEOUT_MS = (MAX_STOP_TIMEOUT_SEC + 60) * 1000;
/**
 * How long a starting call may take: a service with `healthy` dependencies stays "activating" while its
 * launcher waits for them, so longer than the longest TimeoutStartSec= rendered (wait-args.ts: the 60 s
 * wait, one try of at most 60 s, 15 s to start) — systemd fails the job first, with its own reason.
 */
const START_TIMEOUT_MS = 150_000;
const BUS_ERROR_RE = /Failed to connect to (?:user scope )?bus|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR/;

interface CallOptions {
  /** Extra exit codes to accept (a "tolerant" call); bus failures are still errors. */
  tolerate?: readonly number[];
  timeoutMs?: number;
}

/** A Vigil agent's own unit (agent-unit.ts AGENT_MARKER), whatever its name: not a service. */
const AGENT_MARKER_RE = /^X-Vigil-Agent=yes$/m;

export class SystemdManager implements ServiceManager {
  readonly backend = 'systemd' as const;
  private readonly runner: ProcessRunner;
  private readonly paths: VigilPaths;
  private readonly env: NodeJS.ProcessEnv;
  private readonly launcher: string;
  /**
   * What listInstalled made of each unit file, by path, with the file's identity (inode, size, mtime,
   * ctime): the agent lists the units at every full poll to see drift, and a file that did not change is
   * not read and hashed again. null: not one of this VIGIL_HOME's units.
   */
  private readonly parsed = new Map<string, { id: string; unit: InstalledUnit | null }>();

  constructor(deps: SystemdManagerDeps) {
    this.runner = deps.runner;
    this.paths = deps.paths;
    this.launcher = deps.launcher ?? launcherPath(deps.env ?? process.env);
    const env = { ...(deps.env ?? process.env) };
    if (!env.XDG_RUNTIME_DIR && typeof process.getuid === 'function')
      env.XDG_RUNTIME_DIR = `/run/user/${process.getuid()}`;
    this.env = env;
  }

  render(spec: ServiceSpec): UnitFile {
    return renderUnit(spec, { paths: this.paths, launcher: this.launcher });
  }

  async listInstalled(): Promise<InstalledUnit[]> {
    const dir = this.paths.systemdUnitDir;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(`cannot list the systemd unit directory ${dir}`, err);
    }
    const out: InstalledUnit[] = [];
    const seen = new Set<string>();
    const enabled = names.some((n) => groupOfTemplate(n) !== null) ? await this.enabledInstances() : [];
    for (const unit of names.sort()) {
      const group = groupOfTemplate(unit);
      const service = serviceOfUnit(unit) ?? group;
      if (service === null) continue;
      // A template unit is installed as its enabled instances (`systemctl enable vigil-worker@2.service`).
      const emit = (u: InstalledUnit) => {
        if (group === null) out.push(u);
        else
          for (const inst of enabled.filter((i) => groupOf(i) === group))
            out.push({ ...u, service: inst, unit: unitName(inst) });
      };
      const file = path.join(dir, unit);
      seen.add(file);
      let content: string;
      let id: string;
      try {
        const st = await stat(file);
        id = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
        const known = this.parsed.get(file);
        if (known?.id === id) {
          if (known.unit) emit(known.unit);
          continue;
        }
        content = await readFile(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR') continue;
        throw ioError(`cannot read ${file}`, err);
      }
      const markers = readMarkers(content);
      const actualHash = contentHash(content);
      const parsed =
        markers.home !== this.paths.home || AGENT_MARKER_RE.test(content)
          ? null
          : {
              service,
              unit,
              path: file,
              content,
              recordedHash: markers.hash,
              actualHash,
              drifted: markers.hash !== actualHash,
            };
      this.parsed.set(file, { id, unit: parsed });
      if (parsed) emit(parsed);
    }
    for (const file of this.parsed.keys()) if (!seen.has(file)) this.parsed.delete(file);
    return out;
  }

  async write(units: readonly UnitFile[]): Promise<void> {
    if (units.length === 0) return;
    await requireLauncher(this.launcher);
    const p = this.paths;
    try {
      ensurePrivateDir(p.systemdUnitDir);
      preparePrivateHome(
        p,
        units.map((u) => launcherLogPath(p, u.service)),
      );
    } catch (err) {
      if (err instanceof VigilError && err.code === 'E_HOME_UNSAFE') throw err;
      throw ioError('cannot create the directories for the units', err);
    }
    for (const u of units) await writeAtomic(u.path, u.content);
    await this.systemctl(['daemon-reload']);
  }

  async remove(services: readonly string[]): Promise<void> {
    if (services.length === 0) return;
    const present: string[] = [];
    const absent: string[] = [];
    for (const s of services) ((await exists(this.unitPath(s))) ? present : absent).push(unitName(s));
    if (present.length > 0) {
      try {
        await this.systemctl(['disable', '--now', ...present], { timeoutMs: STOP_TIMEOUT_MS });
      } catch {
        // systemd could not disable them (a unit it failed to load, a broken enable): stop them, then undo
        // the enabling by hand. If even the stop fails, that error stands and the files stay, so that a
        // later `vigil remove` finds them again (by their X-Vigil-Home= marker).
        await this.systemctl(['stop', ...present], { tolerate: [5], timeoutMs: STOP_TIMEOUT_MS });
        await this.unlinkEnabled(present);
      }
    }
    // A unit whose file is already gone may still be loaded and running: stop it (5 = not loaded).
    if (absent.length > 0)
      await this.systemctl(['stop', ...absent], { tolerate: [5], timeoutMs: STOP_TIMEOUT_MS });
    // A template unit goes with its last instance: the others keep running from it.
    const still = new Set((await this.enabledInstances()).map(groupOf));
    const files = new Set(
      services.filter((s) => !s.includes('@') || !still.has(groupOf(s))).map((s) => this.unitPath(s)),
    );
    for (const file of files) {
      try {
        await rm(file, { force: true });
      } catch (err) {
        throw ioError(`cannot delete ${file}`, err);
      }
    }
    await this.systemctl(['daemon-reload']);
    await this.resetFailed(services);
  }

  /** The instances of template units that are enabled (`default.target.wants/vigil-worker@2.service`). */
  private async enabledInstances(): Promise<string[]> {
    const wants = path.join(this.paths.systemdUnitDir, 'default.target.wants');
    let names: string[];
    try {
      names = await readdir(wants);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(`cannot list ${wants}`, err);
    }
    return names.flatMap((n) => instanceOfUnit(n) ?? []).sort(byInstance);
  }

  async enableAndStart(services: readonly string[]): Promise<void> {
    if (services.length === 0) return;
    await this.resetFailed(services);
    await withLauncherHints(this.paths, services, async () => {
      await this.systemctl(['enable', '--now', ...services.map(unitName)], { timeoutMs: START_TIMEOUT_MS });
    });
  }

  async start(services: readonly string[]): Promise<void> {
    if (services.length === 0) return;
    await this.resetFailed(services);
    await withLauncherHints(this.paths, services, async () => {
      await this.systemctl(['start', ...services.map(unitName)], { timeoutMs: START_TIMEOUT_MS });
    });
  }

  async stop(services: readonly string[]): Promise<void> {
    if (services.length === 0) return;
    await this.systemctl(['stop', ...services.map(unitName)], { timeoutMs: STOP_TIMEOUT_MS });
  }

  async restart(services: readonly string[]): Promise<void> {
    if (services.length === 0) return;
    await this.resetFailed(services);
    await withLauncherHints(this.paths, services, async () => {
      await this.systemctl(['restart', ...services.map(unitName)], {
        timeoutMs: STOP_TIMEOUT_MS + START_TIMEOUT_MS,
      });
    });
  }

  /**
   * Unit changes pushed over the user bus (unit-subscription.ts). VIGIL_UNIT_PUSH=off turns it off: the
   * agent then polls `systemctl show` every few seconds, as on a system without a user bus.
   */
  watch(handler: UnitChangeHandler): UnitWatch & { drop(): void } {
    if (this.env.VIGIL_UNIT_PUSH === 'off')
      return { follow: () => undefined, close: () => undefined, drop: () => undefined };
    const sub = new UnitSubscription({ env: this.env, handler });
    return {
      follow: (services) => sub.follow(new Map(services.map((s) => [unitName(s), s]))),
      close: () => sub.close(),
      drop: () => sub.drop(),
    };
  }

  async status(services: readonly string[]): Promise<ObservedStatus[]> {
    if (services.length === 0) return [];
    const units = [...new Set(services.map(unitName))];
    const result = await this.systemctl([
      'show',
      '-p',
      SHOW_PROPERTIES.join(','),
      '--timestamp=unix',
      ...units,
    ]);
    const byUnit = parseShow(result.stdout);
    return services.map((s) => toObservedStatus(s, unitName(s), byUnit.get(unitName(s))));
  }

  /** Removes the `*.wants/` and `*.requires/` links `systemctl enable` makes for these units. */
  private async unlinkEnabled(units: readonly string[]): Promise<void> {
    const dir = this.paths.systemdUnitDir;
    let subdirs: string[];
    try {
      subdirs = (await readdir(dir)).filter((d) => d.endsWith('.wants') || d.endsWith('.requires'));
    } catch (err) {
      throw ioError(`cannot list ${dir}`, err);
    }
    for (const sub of subdirs) {
      for (const unit of units) {
        const link = path.join(dir, sub, unit);
        try {
          if ((await lstat(link)).isSymbolicLink()) await rm(link);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot delete ${link}`, err);
        }
      }
    }
  }

  /** The file of a service's unit: an instance's is its group's template (`vigil-worker@.service`). */
  private unitPath(service: string): string {
    return path.join(this.paths.systemdUnitDir, unitFileName(service));
  }

  /** Clears the failed state and start-limit counter; units that are not loaded are fine (exit 1). */
  private async resetFailed(services: readonly string[]): Promise<void> {
    await this.systemctl(['reset-failed', ...services.map(unitName)], { tolerate: [1, 5] });
  }

  private async systemctl(args: readonly string[], options: CallOptions = {}): Promise<RunResult> {
    const argv = ['--user', ...args];
    const shown = `systemctl ${argv.join(' ')}`;
    let result: RunResult;
    try {
      result = await this.runner.run('systemctl', argv, {
        env: this.env,
        okCodes: [0, ...(options.tolerate ?? [])],
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    } catch (err) {
      throw systemctlError(shown, err);
    }
    if (result.exitCode !== 0 && BUS_ERROR_RE.test(result.stderr))
      throw systemctlError(shown, new ProcessError(result));
    return result;
  }
}

function systemctlError(shown: string, err: unknown): VigilError {
  if (err instanceof ProcessError) {
    const r = err.result;
    const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join(' | ');
    const details = { command: shown, exitCode: r.exitCode, signal: r.signal, stderr: r.stderr };
    if (BUS_ERROR_RE.test(r.stderr)) {
      return new VigilError(
        'E_SERVICE_MANAGER',
        `cannot reach the systemd user manager (${said}). Make sure it runs for this user ` +
          '(`loginctl enable-linger $USER`, or log in) and that XDG_RUNTIME_DIR=/run/user/$(id -u) is set.',
        { cause: err, details },
      );
    }
    const how = r.timedOut
      ? 'timed out'
      : r.signal
        ? `was killed by ${r.signal}`
        : `failed (exit ${r.exitCode})`;
    return new VigilError('E_SERVICE_MANAGER', `${shown} ${how}${said ? `: ${said}` : ''}`, {
      cause: err,
      details,
    });
  }
  const msg = isVigilError(err) || err instanceof Error ? err.message : String(err);
  return new VigilError('E_SERVICE_MANAGER', `${shown} could not run: ${msg}`, {
    cause: err,
    details: { command: shown },
  });
}

/** Units name the launcher: refuse to write any that could not start (before anything is changed). */
async function requireLauncher(file: string): Promise<void> {
  try {
    await access(file, fsConstants.X_OK);
  } catch {
    throw new VigilError(
      'E_SERVICE_MANAGER',
      `the service launcher ${file} is missing or not executable; build it with \`npm run build\` (needs a C compiler)`,
    );
  }
}

/** `worker@2` before `worker@10`. */
function byInstance(a: string, b: string): number {
  return groupOf(a).localeCompare(groupOf(b)) || (replicaIndexOf(a) ?? 0) - (replicaIndexOf(b) ?? 0);
}

function ioError(message: string, err: unknown): VigilError {
  return new VigilError('E_SERVICE_MANAGER', `${message}: ${(err as Error).message}`, { cause: err });
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Unit files are written atomically (agent/adapters/fs/write-atomic.ts), mode 0600 (only the user's own manager reads them). */
async function writeAtomic(file: string, content: string): Promise<void> {
  try {
    await writeFileAtomic(file, content, 0o600);
  } catch (err) {
    throw ioError(`cannot write ${file}`, err);
  }
}
