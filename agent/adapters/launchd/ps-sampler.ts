/**
 * ResourceSampler for macOS: CPU time and resident memory of each service's whole process tree from one
 * batched `ps` call (launchd keeps no such counters). LaunchdManager.status already reports them from its
 * own `ps` call each tick; those are used when given. The agent itself is measured in-process (getrusage
 * and the resident size, the counters `ps` reads), so an idle sample spawns nothing.
 */
import type { ProcessRunner } from '../../ports/process-runner.js';
import type { ResourceReading, ResourceSampler, ResourceTarget } from '../../ports/resource-sampler.js';
import { processTree, readProcessTable, type ProcessEntry } from './process-table.js';

export class PsSampler implements ResourceSampler {
  constructor(
    private readonly runner: ProcessRunner,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async sample(targets: readonly ResourceTarget[]): Promise<ResourceReading[]> {
    const fromManager = (t: ResourceTarget) =>
      !t.processOnly && t.managerCpuNsec !== null && t.managerMemoryBytes !== null;
    const self = (t: ResourceTarget) => t.processOnly === true && t.pid === process.pid;
    const needPs = targets.some((t) => t.pid !== null && !fromManager(t) && !self(t));
    const table = needPs
      ? await readProcessTable(this.runner, this.env).catch(() => new Map<number, ProcessEntry>())
      : new Map<number, ProcessEntry>();
    return targets.map((t): ResourceReading => {
      if (fromManager(t))
        return {
          service: t.service,
          cpuNsec: t.managerCpuNsec,
          memoryBytes: t.managerMemoryBytes,
          processes: null,
          source: 'ps',
        };
      if (t.pid === null)
        return { service: t.service, cpuNsec: null, memoryBytes: null, processes: null, source: null };
      if (self(t)) {
        const cpu = process.cpuUsage();
        return {
          service: t.service,
          cpuNsec: (cpu.user + cpu.system) * 1000,
          memoryBytes: process.memoryUsage.rss(),
          processes: 1,
          source: 'ps',
        };
      }
      const procs = t.processOnly
        ? [table.get(t.pid)].filter((p): p is ProcessEntry => p !== undefined)
        : processTree(table, t.pid);
      if (procs.length === 0)
        return { service: t.service, cpuNsec: null, memoryBytes: null, processes: 0, source: 'ps' };
      return {
        service: t.service,
        cpuNsec: procs.reduce((a, p) => a + p.cpuNsec, 0),
        memoryBytes: procs.reduce((a, p) => a + p.rssBytes, 0),
        processes: procs.length,
        source: 'ps',
      };
    });
  }
}
