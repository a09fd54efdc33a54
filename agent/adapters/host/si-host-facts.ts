/**
 * HostFacts from systeminformation, the design's library for host facts. It is loaded with `await import()`
 * on the first read, never with the agent or the CLI (the idle agent stays lean: see the lazy-loading rule
 * and test/unit/lazy-loading.test.ts). Free space is statfs on VIGIL_HOME itself (the DiskSpace port), so
 * it is the file system that holds it, whatever is mounted where. Readings within a second share one
 * answer, so a dashboard per browser tab does not multiply the work.
 */
import os from 'node:os';
import type { HostDoc } from '../../core/host.js';
import { usedPercent } from '../../core/host.js';
import type { Clock } from '../../ports/clock.js';
import type { DiskSpace } from '../../ports/disk-space.js';
import type { HostFacts } from '../../ports/host-facts.js';
import type * as SystemInformation from 'systeminformation';

type Si = typeof SystemInformation;

/** The part of systeminformation used here (a fake in tests). */
export type HostLibrary = Pick<Si, 'currentLoad' | 'mem' | 'time' | 'battery'>;

export interface SiHostFactsOptions {
  /** VIGIL_HOME: where to measure free space. */
  home: string;
  disk: DiskSpace;
  clock: Clock;
  platform?: NodeJS.Platform;
  /** Loads the library (default: a dynamic import of systeminformation). */
  load?: () => Promise<HostLibrary>;
}

const SHARE_MS = 1000;
/**
 * systeminformation's CPU share is the busy time since its previous call: after a long gap that is an
 * average over hours. A reading older than this starts a new window of CPU_WINDOW_MS first.
 */
export const CPU_FRESH_MS = 10_000;
export const CPU_WINDOW_MS = 300;

async function loadSystemInformation(): Promise<HostLibrary> {
  const mod = (await import('systeminformation')) as Si & { default?: Si };
  return mod.default ?? mod;
}

export class SiHostFacts implements HostFacts {
  private lib: Promise<HostLibrary> | null = null;
  private last: { at: number; doc: Promise<HostDoc> } | null = null;
  /** When the library last measured CPU (null: never; its first call measures half a second itself). */
  private cpuAt: number | null = null;

  constructor(private readonly opts: SiHostFactsOptions) {}

  /** Whether the library has been asked for (the lazy-loading test's witness). */
  get loaded(): boolean {
    return this.lib !== null;
  }

  read(): Promise<HostDoc> {
    const now = this.opts.clock.now();
    if (this.last && now - this.last.at < SHARE_MS) return this.last.doc;
    const doc = this.readNow(now);
    this.last = { at: now, doc };
    doc.catch(() => {
      if (this.last?.doc === doc) this.last = null;
    });
    return doc;
  }

  private async readNow(now: number): Promise<HostDoc> {
    this.lib ??= (this.opts.load ?? loadSystemInformation)();
    const si = await this.lib;
    const platform = this.opts.platform ?? process.platform;
    if (this.cpuAt !== null && now - this.cpuAt > CPU_FRESH_MS) {
      await si.currentLoad();
      await this.opts.clock.sleep(CPU_WINDOW_MS);
    }
    const [cpu, mem, power] = await Promise.all([
      si.currentLoad(),
      si.mem(),
      platform === 'darwin' ? si.battery() : Promise.resolve(null),
    ]);
    this.cpuAt = this.opts.clock.now();
    const time = si.time();
    const space = this.opts.disk.space(this.opts.home);
    const loads = os.loadavg();
    return {
      at: new Date(now).toISOString(),
      hostname: os.hostname(),
      platform,
      cpu: {
        percent: Number.isFinite(cpu.currentLoad) ? Math.round(cpu.currentLoad * 10) / 10 : null,
        cores: cpu.cpus.length,
      },
      memory: {
        totalBytes: mem.total,
        availableBytes: mem.available,
        usedPercent: usedPercent(mem.total, mem.available),
      },
      load: platform === 'win32' ? null : [round2(loads[0]!), round2(loads[1]!), round2(loads[2]!)],
      disk: space && { path: space.path, freeBytes: space.freeBytes, totalBytes: space.totalBytes },
      uptimeSec: Math.round(Number(time.uptime)),
      power:
        power === null
          ? null
          : {
              source: power.hasBattery && !power.acConnected ? 'battery' : 'ac',
              batteryPercent: power.hasBattery ? power.percent : null,
              charging: power.isCharging,
            },
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
