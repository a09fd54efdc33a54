/**
 * CPU and memory of every service (and of the agent itself) every few seconds: one batched sampler call,
 * CPU % from the difference of cumulative CPU time between two samples, history written to the
 * ResourceHistory (raw + minute rollups), retention pruned every few minutes.
 */
import type { AgentUsage, StatusDoc, UsageSource } from '../core/status.js';
import type { ResourceHistory, ResourceSample } from '../ports/monitor-store.js';
import type { ResourceReading, ResourceSampler, ResourceTarget } from '../ports/resource-sampler.js';
import type { UsagePart } from '../core/status-parts.js';
import { RAW_RETENTION_MS, ROLLUP_RETENTION_MS } from '../core/resources/retention.js';

/** The agent's own series is stored under this name (reserved: no service may be called "agent"). */
export const AGENT_SERIES = 'agent';

export interface Usage {
  cpuPercent: number | null;
  memoryBytes: number | null;
  source: UsageSource | null;
  at: number;
}

export interface ResourceMonitorOptions {
  sampler: ResourceSampler;
  history: ResourceHistory;
  /** Sampling interval (ms); default 5 s. */
  everyMs?: number;
  /** Retention pruning interval (ms); default 10 min. */
  pruneEveryMs?: number;
  selfPid?: number;
  /** After every sample (what `part` returns changed). */
  onSample?: () => void;
}

export class ResourceMonitor {
  private lastAt = -Infinity;
  private lastPrune = -Infinity;
  private busy = false;
  private readonly prev = new Map<string, { at: number; cpuNsec: number; pid: number | null }>();
  private readonly current = new Map<string, Usage>();
  /** Readings of each service's current process (a new PID starts again at 0). */
  private readonly readings = new Map<string, { pid: number | null; n: number }>();
  private readonly everyMs: number;
  private readonly pruneEveryMs: number;
  private readonly selfPid: number;

  constructor(private readonly opts: ResourceMonitorOptions) {
    this.everyMs = opts.everyMs ?? 5000;
    this.pruneEveryMs = opts.pruneEveryMs ?? 600_000;
    this.selfPid = opts.selfPid ?? process.pid;
  }

  /**
   * Samples when due (never two at once); returns whether it sampled. `everyMs` overrides the interval
   * for this call (the agent samples seldom while nobody looks and nothing needs fresh numbers).
   */
  async maybeSample(status: StatusDoc, now: number, everyMs = this.everyMs): Promise<boolean> {
    if (this.busy || now - this.lastAt < everyMs) return false;
    this.busy = true;
    this.lastAt = now;
    try {
      await this.sample(status, now);
      if (now - this.lastPrune >= this.pruneEveryMs) {
        this.lastPrune = now;
        this.opts.history.prune(now, RAW_RETENTION_MS, ROLLUP_RETENTION_MS);
      }
      return true;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Whether a running process has fewer than the two readings a CPU % needs (a fresh service, a restart,
   * the agent's first minute): then it is sampled at the short interval whoever looks, so the status shows
   * its memory at once and its CPU one interval later, not a minute on.
   */
  unsettled(status: StatusDoc): boolean {
    if ((this.readings.get(AGENT_SERIES)?.n ?? 0) < 2) return true;
    return status.services.some((s) => {
      if (s.pid === null) return false;
      const r = this.readings.get(s.name);
      return r === undefined || r.pid !== s.pid || r.n < 2;
    });
  }

  /** When the next sample is due (ms from now) at this interval. */
  dueInMs(now: number, everyMs = this.everyMs): number {
    return Math.max(0, this.lastAt + everyMs - now);
  }

  async sample(status: StatusDoc, now: number): Promise<void> {
    const targets: ResourceTarget[] = status.services.map((s) => ({
      service: s.name,
      pid: s.pid,
      managerMemoryBytes: s.memoryBytes,
      managerCpuNsec: s.cpuNsec,
    }));
    targets.push({
      service: AGENT_SERIES,
      pid: this.selfPid,
      processOnly: true,
      managerMemoryBytes: null,
      managerCpuNsec: null,
    });
    const readings = await this.opts.sampler.sample(targets);
    const pids = new Map(targets.map((t) => [t.service, t.pid]));
    const samples: ResourceSample[] = [];
    const seen = new Set<string>();
    for (const r of readings) {
      seen.add(r.service);
      const pid = pids.get(r.service) ?? null;
      const count = this.readings.get(r.service);
      this.readings.set(r.service, { pid, n: count?.pid === pid ? count.n + 1 : 1 });
      const u = this.usage(r, pid, now);
      this.current.set(r.service, u);
      if (u.cpuPercent !== null || u.memoryBytes !== null)
        samples.push({
          service: r.service,
          at: now,
          cpuPercent: u.cpuPercent,
          memoryBytes: u.memoryBytes,
          source: u.source,
        });
    }
    for (const k of [...this.current.keys()]) if (!seen.has(k)) this.current.delete(k);
    for (const k of [...this.readings.keys()]) if (!seen.has(k)) this.readings.delete(k);
    this.opts.onSample?.();
    this.opts.history.record(samples);
  }

  /** CPU % of one core since the previous reading of the same process tree (null on the first, or after a restart). */
  private usage(r: ResourceReading, pid: number | null, now: number): Usage {
    const before = this.prev.get(r.service);
    let cpuPercent: number | null = null;
    if (r.cpuNsec !== null) {
      if (before && before.pid === pid && r.cpuNsec >= before.cpuNsec && now > before.at) {
        cpuPercent = Math.round(((r.cpuNsec - before.cpuNsec) / 1e6 / (now - before.at)) * 100 * 100) / 100;
      }
      this.prev.set(r.service, { at: now, cpuNsec: r.cpuNsec, pid });
    } else {
      this.prev.delete(r.service);
    }
    return { cpuPercent, memoryBytes: r.memoryBytes, source: r.source, at: now };
  }

  get(service: string): Usage | null {
    return this.current.get(service) ?? null;
  }

  agent(): AgentUsage {
    const u = this.current.get(AGENT_SERIES);
    return {
      pid: this.selfPid,
      cpuPercent: u?.cpuPercent ?? null,
      memoryBytes: u?.memoryBytes ?? null,
      usageSource: u?.source ?? null,
    };
  }

  /** The last sample of each service and the agent's own, as the status document shows them. */
  part(): { services: Map<string, UsagePart>; agent: AgentUsage } {
    const services = new Map<string, UsagePart>();
    for (const [name, u] of this.current)
      services.set(name, { memoryBytes: u.memoryBytes, cpuPercent: u.cpuPercent, usageSource: u.source });
    return { services, agent: this.agent() };
  }
}
