/**
 * ResourceSampler for Linux. The service manager's counters win when it has them (systemd MemoryCurrent
 * and CPUUsageNSec, from the tick's one batched `systemctl show`). Where they are `[not set]` (cgroup v1
 * or hybrid hierarchies without memory/cpu accounting for user units), the unit's processes are read
 * from its cgroup — the path comes from /proc/<main pid>/cgroup, the member list from cgroup.procs —
 * and summed from /proc/<pid>/stat (utime+stime+cutime+cstime: the tree, including reaped children;
 * and rss, the resident pages, the same number as statm's second field). File reads only; no process is
 * spawned. The reads are synchronous on purpose: procfs and cgroupfs answer from kernel memory in
 * microseconds, and a promise round trip through the thread pool per file would cost more CPU than the
 * read itself. Each process's
 * stat file stays open between samples and is read again from offset 0 (one pread instead of open, fstat,
 * read and close); a descriptor of a process that is gone reads ESRCH and is closed, so a reused PID gets
 * a fresh one, and descriptors of processes no longer sampled are closed after each sample.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import type { ResourceReading, ResourceSampler, ResourceTarget } from '../../ports/resource-sampler.js';

export interface ProcfsOptions {
  /** Root of /proc (tests point it at a fake tree). */
  proc?: string;
  /** Root of the cgroup file systems. */
  cgroup?: string;
  /** Clock ticks per second (getconf CLK_TCK; 100 on Linux). */
  clockTicks?: number;
  pageSize?: number;
}

/** utime+stime+cutime+cstime in ticks and resident pages of one process; null when it is gone. */
export interface ProcUsage {
  ticks: number;
  rssPages: number;
}

export class ProcfsSampler implements ResourceSampler {
  private readonly proc: string;
  private readonly cgroupRoot: string;
  private readonly hz: number;
  private readonly page: number;
  /** Per main PID: the directory whose cgroup.procs lists the unit's processes. */
  private readonly cgroupDirs = new Map<number, string | null>();
  /** Open /proc/<pid>/stat descriptors, by PID. */
  private readonly statFds = new Map<number, number>();
  private readonly buf = Buffer.alloc(4096);
  private used = new Set<number>();

  constructor(opts: ProcfsOptions = {}) {
    this.proc = opts.proc ?? '/proc';
    this.cgroupRoot = opts.cgroup ?? '/sys/fs/cgroup';
    this.hz = opts.clockTicks ?? 100;
    this.page = opts.pageSize ?? 4096;
  }

  async sample(targets: readonly ResourceTarget[]): Promise<ResourceReading[]> {
    const live = new Set(targets.map((t) => t.pid).filter((p): p is number => p !== null));
    for (const pid of this.cgroupDirs.keys()) if (!live.has(pid)) this.cgroupDirs.delete(pid);
    this.used = new Set();
    const out = targets.map((t) => this.one(t));
    for (const pid of [...this.statFds.keys()]) if (!this.used.has(pid)) this.closeStat(pid);
    return out;
  }

  /** Closes every descriptor the sampler holds. */
  close(): void {
    for (const pid of [...this.statFds.keys()]) this.closeStat(pid);
  }

  private readStat(pid: number): string | null {
    this.used.add(pid);
    let fd = this.statFds.get(pid);
    try {
      if (fd === undefined) {
        fd = openSync(`${this.proc}/${pid}/stat`, 'r');
        this.statFds.set(pid, fd);
      }
      const n = readSync(fd, this.buf, 0, this.buf.length, 0);
      return this.buf.toString('latin1', 0, n);
    } catch {
      this.closeStat(pid); // exited (ESRCH) or never there (ENOENT)
      return null;
    }
  }

  private closeStat(pid: number): void {
    const fd = this.statFds.get(pid);
    this.statFds.delete(pid);
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }

  private one(t: ResourceTarget): ResourceReading {
    if (!t.processOnly && t.managerCpuNsec !== null && t.managerMemoryBytes !== null) {
      return {
        service: t.service,
        cpuNsec: t.managerCpuNsec,
        memoryBytes: t.managerMemoryBytes,
        processes: null,
        source: 'systemd',
      };
    }
    if (t.pid === null)
      return { service: t.service, cpuNsec: null, memoryBytes: null, processes: null, source: null };
    const pids = t.processOnly ? [t.pid] : this.members(t.pid);
    let ticks = 0;
    let pages = 0;
    let n = 0;
    for (const u of pids.map((p) => this.usage(p))) {
      if (u === null) continue;
      ticks += u.ticks;
      pages += u.rssPages;
      n++;
    }
    if (n === 0) return { service: t.service, cpuNsec: null, memoryBytes: null, processes: 0, source: null };
    return {
      service: t.service,
      cpuNsec: Math.round((ticks / this.hz) * 1e9),
      memoryBytes: pages * this.page,
      processes: n,
      source: 'procfs',
    };
  }

  /** The PIDs in the main PID's unit cgroup (just the main PID when the cgroup cannot be read). */
  private members(pid: number): number[] {
    let dir = this.cgroupDirs.get(pid);
    if (dir === undefined) {
      dir = this.findCgroupDir(pid);
      this.cgroupDirs.set(pid, dir);
    }
    if (dir === null) return [pid];
    try {
      const text = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
      const pids = text
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0);
      return pids.length > 0 ? pids : [pid];
    } catch {
      this.cgroupDirs.delete(pid);
      return [pid];
    }
  }

  /**
   * /proc/<pid>/cgroup names the unit's cgroup: the unified line `0::/…` (cgroup v2, or the hybrid
   * unified mount) or the named systemd hierarchy `N:name=systemd:/…` (v1). The first of the candidate
   * mounts whose cgroup.procs exists is used.
   */
  findCgroupDir(pid: number): string | null {
    let text: string;
    try {
      text = readFileSync(path.join(this.proc, String(pid), 'cgroup'), 'utf8');
    } catch {
      return null;
    }
    const candidates: string[] = [];
    for (const line of text.split('\n')) {
      const m = /^(\d+):([^:]*):(\/.*)$/.exec(line);
      if (!m) continue;
      const [, id, controllers, rel] = m as unknown as [string, string, string, string];
      if (rel === '/') continue;
      if (id === '0' && controllers === '')
        candidates.push(path.join(this.cgroupRoot, 'unified', rel), path.join(this.cgroupRoot, rel));
      else if (controllers === 'name=systemd') candidates.push(path.join(this.cgroupRoot, 'systemd', rel));
    }
    for (const dir of candidates) {
      try {
        readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
        return dir;
      } catch {
        // next candidate
      }
    }
    return null;
  }

  usage(pid: number): ProcUsage | null {
    const stat = this.readStat(pid);
    return stat === null ? null : parseProcUsage(stat); // null: exited meanwhile
  }
}

/** Fields 14–17 (CPU ticks) and 24 (resident pages) of /proc/<pid>/stat, after the parenthesized command, which may hold spaces. */
export function parseProcUsage(stat: string): ProcUsage | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const f = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // f[0] is field 3 (state): field n is f[n - 3].
  const nums = [14, 15, 16, 17].map((n) => Number(f[n - 3]));
  const rss = f.length > 24 - 3 ? Number(f[24 - 3]) : NaN;
  if (nums.some((x) => !Number.isFinite(x)) || !Number.isFinite(rss)) return null;
  return { ticks: nums.reduce((a, b) => a + b, 0), rssPages: rss };
}
