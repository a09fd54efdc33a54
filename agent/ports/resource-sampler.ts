/**
 * CPU and memory of a service's whole process tree, batched for all services. Linux: the service
 * manager's counters when it has them (systemd MemoryCurrent / CPUUsageNSec), else the unit's cgroup
 * processes summed from /proc (file reads, no process spawned). macOS can implement the same port with
 * one batched `ps` (or pidusage) call for every main PID's process group.
 */
import type { UsageSource } from '../core/status.js';

export interface ResourceTarget {
  /** Service name ("agent" for the agent itself). */
  service: string;
  /** Main PID, if running. */
  pid: number | null;
  /** Only this process, not its group/cgroup (the agent measuring itself). */
  processOnly?: boolean;
  /** What the service manager reported, when it did. */
  managerMemoryBytes: number | null;
  managerCpuNsec: number | null;
}

export interface ResourceReading {
  service: string;
  /** Cumulative CPU time of the tree (ns); CPU % comes from two readings. */
  cpuNsec: number | null;
  memoryBytes: number | null;
  /** How many processes were summed (procfs). */
  processes: number | null;
  source: UsageSource | null;
}

export interface ResourceSampler {
  sample(targets: readonly ResourceTarget[]): Promise<ResourceReading[]>;
  /** Releases what the sampler keeps between samples (open files). */
  close?(): void;
}
