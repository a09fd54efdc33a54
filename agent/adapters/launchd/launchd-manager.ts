/**
 * ServiceManager for launchd: every service a LaunchAgent in ~/Library/LaunchAgents, commanded with
 * launchctl through the ProcessRunner (see launchctl.ts for the sequencing and retries).
 *
 *   write          the plist, atomically, 0644 (launchd refuses group/world-writable agents)
 *   enableAndStart enable + bootstrap (RunAtLoad starts it; a kickstart if launchd did not spawn it)
 *   start          bootstrap when stopped, else kickstart (a no-op when running)
 *   stop           bootout, wait until launchd lets go of the label, then kill what the job left behind
 *   restart        kickstart -k; a plist rewritten since it was loaded is reloaded (bootout + bootstrap)
 *   status         ONE `launchctl list` and ONE `ps` per call; `launchctl print` only where list cannot
 *                  tell (not running, not listed, or a new pid whose spawn count is not known yet)
 *
 * The job's process is Vigil's launcher; the service is its child in a process group of its own, which
 * launchd's clean-up (the job's process group) does not reach — so a stop also kills survivors of the
 * tree it saw before (the role systemd's cgroup plays).
 */
import { access, constants, lstat, mkdir, readFile, rm } from 'node:fs/promises';
import type { ServiceSpec } from '../../core/manifest/model.js';
import type { VigilPaths } from '../../core/paths.js';
import { VigilError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { ProcessRunner } from '../../ports/process-runner.js';
import type { InstalledUnit, ObservedStatus, ServiceManager, UnitFile } from '../../ports/service-manager.js';
import { systemClock } from '../clock/system-clock.js';
import { launchAgentDir, serviceLabel } from './labels.js';
import { Launchctl } from './launchctl.js';
import type { PrintInfo } from './launchctl-parse.js';
import { parsePlistFile, readMarkers, renderPlist } from './plist-render.js';
import { launcherLogPath } from '../launcher/contract.js';
import { preparePrivateHome } from '../fs/private-home.js';
import { readProcessTable, treeUsage, type ProcessEntry } from './process-table.js';
import { ioError, readGaveUp, scanInstalled, updateGaveUp, type InstalledPlist } from './installed.js';
import { toObservedStatus, type GaveUp } from './status-map.js';
import { JobReaper } from './reaper.js';
import { writeAtomic } from './write-atomic.js';

export interface LaunchdManagerDeps {
  runner: ProcessRunner;
  paths: VigilPaths;
  /** Absolute path of dist/bin/vigil-launch. */
  launcher: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** ~/Library/LaunchAgents unless given (tests). */
  agentDir?: string;
  uid?: number;
  /** Forces gui/<uid> or user/<uid> (VIGIL_LAUNCHD_DOMAIN). */
  domain?: string;
  /** Sends a signal to a pid (tests replace it). */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

const SCAN_TTL_MS = 5_000;
const ABSENT_TTL_MS = 30_000;

export class LaunchdManager implements ServiceManager {
  readonly backend = 'launchd' as const;
  readonly launchctl: Launchctl;
  readonly agentDir: string;
  private readonly d: LaunchdManagerDeps;
  private readonly clock: Clock;
  private readonly env: NodeJS.ProcessEnv;
  private readonly reaper: JobReaper;
  private scan: { at: number; units: Map<string, InstalledPlist> } | null = null;
  /** Plists rewritten while their job was loaded: the next start/restart reloads them. */
  private readonly pendingReload = new Set<string>();
  /** Spawn count of the process last seen per label (so a steady job needs no print). */
  private readonly runs = new Map<string, { pid: number; runs: number | null }>();
  /** Labels print said were not loaded, and when. */
  private readonly absent = new Map<string, number>();

  constructor(deps: LaunchdManagerDeps) {
    this.d = deps;
    this.env = deps.env ?? process.env;
    this.clock = deps.clock ?? systemClock;
    this.agentDir = deps.agentDir ?? launchAgentDir(this.env);
    const uid = deps.uid ?? process.getuid?.() ?? 501;
    this.launchctl = new Launchctl({
      runner: deps.runner,
      clock: this.clock,
      env: this.env,
      uid,
      ...(deps.domain ? { domain: deps.domain } : {}),
    });
    this.reaper = new JobReaper({
      runner: deps.runner,
      env: this.env,
      clock: this.clock,
      kill: deps.kill ?? ((pid, sig) => process.kill(pid, sig)),
    });
  }

  render(spec: ServiceSpec): UnitFile {
    return renderPlist(spec, { paths: this.d.paths, agentDir: this.agentDir, launcher: this.d.launcher });
  }

  async listInstalled(): Promise<InstalledUnit[]> {
    return [...(await this.installed(0)).values()];
  }

  async write(units: readonly UnitFile[]): Promise<void> {
    if (units.length === 0) return;
    await this.checkLauncher();
    const p = this.d.paths;
    try {
      await mkdir(this.agentDir, { recursive: true, mode: 0o755 });
      preparePrivateHome(
        p,
        units.map((u) => launcherLogPath(p, u.service)),
      );
    } catch (err) {
      if (err instanceof VigilError && err.code === 'E_HOME_UNSAFE') throw err;
      throw ioError('cannot create the directories for the LaunchAgents', err);
    }
    const before = await this.installed(0);
    for (const u of units) {
      const prev = before.get(u.service);
      if (prev && prev.label !== u.unit) {
        // The label changed (launchd.labelPrefix): the old job goes, the new one is loaded on start.
        await this.stopLabel(prev.label);
        await rm(prev.path, { force: true });
      }
      await this.refuseForeign(u);
      await writeAtomic(u.path, u.content, 0o644);
      this.pendingReload.add(u.service);
    }
    this.scan = null;
  }

  async remove(services: readonly string[]): Promise<void> {
    const units = await this.installed(0);
    for (const s of services) {
      const u = units.get(s);
      await this.stopLabel(u?.label ?? serviceLabel(s));
      if (u)
        await rm(u.path, { force: true }).catch((err: unknown) =>
          Promise.reject(ioError(`cannot delete ${u.path}`, err)),
        );
      this.pendingReload.delete(s);
    }
    await updateGaveUp(this.d.paths, (all) => services.map((s) => delete all[s]).some(Boolean));
    this.scan = null;
  }

  async enableAndStart(services: readonly string[]): Promise<void> {
    for (const s of services) await this.startOne(s, 'start');
  }

  async start(services: readonly string[]): Promise<void> {
    for (const s of services) await this.startOne(s, 'start');
  }

  async restart(services: readonly string[]): Promise<void> {
    for (const s of services) await this.startOne(s, 'restart');
  }

  async stop(services: readonly string[]): Promise<void> {
    const units = await this.installed(SCAN_TTL_MS);
    for (const s of services)
      await this.stopLabel(units.get(s)?.label ?? serviceLabel(s), units.get(s)?.exitTimeOutSec);
  }

  /**
   * launchd's stand-in for systemd's start limit: stops the job (it would otherwise be respawned forever)
   * and records why, so status reports it `failed` / `start-limit-hit` until the next start or restart.
   */
  async giveUp(service: string, info: Omit<GaveUp, 'at'>): Promise<void> {
    const units = await this.installed(SCAN_TTL_MS);
    await this.stopLabel(
      units.get(service)?.label ?? serviceLabel(service),
      units.get(service)?.exitTimeOutSec,
    );
    const at = this.clock.now();
    await updateGaveUp(this.d.paths, (all) => ((all[service] = { ...info, at }), true));
  }

  async status(services: readonly string[]): Promise<ObservedStatus[]> {
    if (services.length === 0) return [];
    const [units, rows, gaveUp] = await Promise.all([
      this.installed(SCAN_TTL_MS),
      this.launchctl.list(),
      readGaveUp(this.d.paths),
    ]);
    const now = this.clock.now();
    const prints = new Map<string, PrintInfo | null>();
    await Promise.all(
      services.map(async (s) => {
        const u = units.get(s);
        if (!u) return;
        const row = rows.get(u.label) ?? null;
        const known = this.runs.get(u.label);
        const needPrint = row
          ? row.pid === null || known?.pid !== row.pid
          : now - (this.absent.get(u.label) ?? -Infinity) > ABSENT_TTL_MS;
        if (!needPrint) return;
        const info = await this.launchctl.print(u.label);
        prints.set(u.label, info);
        if (info === null) this.absent.set(u.label, now);
        else this.absent.delete(u.label);
      }),
    );
    const pids = services.flatMap((s) => {
      const label = units.get(s)?.label;
      const pid = label ? (rows.get(label)?.pid ?? prints.get(label)?.pid ?? null) : null;
      return pid === null ? [] : [pid];
    });
    const table =
      pids.length > 0
        ? await readProcessTable(this.d.runner, this.env).catch(() => new Map<number, ProcessEntry>())
        : new Map<number, ProcessEntry>();
    return services.map((s) => {
      const u = units.get(s);
      const label = u?.label ?? serviceLabel(s);
      const row = rows.get(label) ?? null;
      const print = prints.has(label) ? prints.get(label) : undefined;
      const pid = row?.pid ?? print?.pid ?? null;
      const known = this.runs.get(label);
      const knownRuns = known && known.pid === pid ? known.runs : null;
      const o = toObservedStatus({
        service: s,
        label,
        installed: u !== undefined,
        keepAlive: u?.keepAlive ?? 'no',
        row,
        print,
        knownRuns,
        gaveUp: gaveUp[s],
        usage: pid === null ? null : treeUsage(table, pid),
      });
      if (pid !== null) this.runs.set(label, { pid, runs: print?.runs ?? knownRuns });
      else this.runs.delete(label);
      return o;
    });
  }

  /** enable + bootstrap when not loaded (or loaded with an outdated plist); else kickstart (-k to restart). */
  private async startOne(service: string, how: 'start' | 'restart'): Promise<void> {
    const u = (await this.installed(SCAN_TTL_MS)).get(service) ?? (await this.installed(0)).get(service);
    if (!u)
      throw new VigilError(
        'E_SERVICE_MANAGER',
        `${service} has no LaunchAgent in ${this.agentDir} for ${this.d.paths.home}; run vigil apply`,
      );
    await updateGaveUp(this.d.paths, (all) => delete all[service]);
    this.absent.delete(u.label);
    const loaded = await this.launchctl.print(u.label);
    if (loaded && !this.pendingReload.has(service)) {
      if (how === 'restart')
        await this.reaper.restart(
          u.label,
          loaded.pid,
          () => this.launchctl.kickstart(u.label, true),
          u.exitTimeOutSec,
        );
      else await this.launchctl.kickstart(u.label, false);
      return;
    }
    if (loaded) await this.stopLabel(u.label, u.exitTimeOutSec);
    await this.launchctl.enable(u.label);
    await this.launchctl.bootstrap(u.label, u.path);
    this.pendingReload.delete(service);
    // RunAtLoad normally spawns it; launchd has been seen to leave a fresh job unspawned (openbase#15).
    const after = await this.launchctl.print(u.label);
    if (after && after.pid === null && (after.runs ?? 0) === 0)
      await this.launchctl.kickstart(u.label, false);
  }

  private async stopLabel(label: string, exitTimeOutSec?: number): Promise<void> {
    this.absent.delete(label);
    const info = await this.launchctl.print(label);
    await this.reaper.stop(info?.pid ?? null, () => this.launchctl.bootout(label, exitTimeOutSec));
    this.runs.delete(label);
  }

  private async installed(maxAgeMs: number): Promise<Map<string, InstalledPlist>> {
    const now = this.clock.now();
    if (this.scan && now - this.scan.at <= maxAgeMs) return this.scan.units;
    const units = await scanInstalled(this.agentDir, this.d.paths);
    this.scan = { at: now, units };
    return units;
  }

  private async checkLauncher(): Promise<void> {
    try {
      await access(this.d.launcher, constants.X_OK);
    } catch {
      throw new VigilError(
        'E_SERVICE_MANAGER',
        `Vigil's launcher ${this.d.launcher} is missing or not executable; build it with \`npm run build\` (needs a C compiler: xcode-select --install)`,
      );
    }
  }

  /** Refuses to overwrite a plist that another VIGIL_HOME (or another program) owns under the same label. */
  private async refuseForeign(u: UnitFile): Promise<void> {
    try {
      await lstat(u.path);
    } catch {
      return;
    }
    const dict = parsePlistFile(await readFile(u.path));
    const m = dict ? readMarkers(dict) : null;
    if (m?.home === this.d.paths.home) return;
    throw new VigilError(
      'E_SERVICE_MANAGER',
      `${u.path} already exists and belongs to ${m?.home ? `another Vigil home (${m.home})` : 'another program'}; choose another launchd.labelPrefix in the manifest`,
    );
  }
}
