/**
 * `limits.memory` where the service manager does not enforce it: launchd (never), and systemd on cgroup
 * v1/hybrid hierarchies, where user units get no memory controller and MemoryMax= is ignored (see
 * adapters/systemd/memory-enforcement.ts). After each tick every running service whose process tree's
 * resident memory is above its limit is recorded in the exit journal (result `memory-limit`, so the
 * supervisor makes it an `oom-killed` event naming the limit, with the log's tail, counted toward a crash
 * loop) and restarted through the service manager (stopped when its restart policy is `no`) — once per
 * process. The restart runs in the background: it may take the service's stopTimeoutSec, and the tick
 * loop must not wait for it.
 *
 * Memory comes from `sampler` (Linux: /proc summed over the unit's cgroup, sampled here for the limited
 * services only, so a just-restarted service is never judged by a reading of its previous process), or
 * from the status itself (launchd: the tick's one batched `ps`). The module also says in the status which
 * enforcement holds for each limited service.
 */
import type { Logger } from 'pino';
import type { MemoryEnforcement, StatusDoc } from '../core/status.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { ResourceSampler } from '../ports/resource-sampler.js';
import { appendExitRecord } from '../adapters/launchd/exit-record.js';
import type { AgentModule } from './module.js';
import type { StatusHolder } from './status-doc.js';

export const MEMORY_LIMIT_RESULT = 'memory-limit';

export interface MemoryWatchDeps {
  manager: Pick<ServiceManager, 'restart' | 'stop'>;
  store: Store;
  clock: Clock;
  logger: Logger;
  exitsPath: string;
  /** Who enforces limits.memory here: the manager (nothing to do but say so) or the agent. */
  enforcement: Exclude<MemoryEnforcement, 'none'>;
  /** Fresh readings of the limited services; without one, the status's memoryBytes are used. */
  sampler?: ResourceSampler;
  appendExit?: typeof appendExitRecord;
  /** Where the status part (each limited service's limit and who enforces it) is published. */
  status?: Pick<StatusHolder, 'publish'>;
}

export class MemoryWatch implements AgentModule {
  readonly name = 'memory-watch';
  /** The pid last restarted for memory, per service (one restart per process). */
  private readonly handled = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  /** The limits last published (services and their limits.memory change with an apply). */
  private published = '';

  constructor(private readonly d: MemoryWatchDeps) {}

  start(): void {
    this.publish(this.d.store.listServices());
  }

  async afterTick(status: StatusDoc): Promise<void> {
    const records = this.d.store.listServices();
    this.publish(records);
    if (this.d.enforcement !== 'agent') return;
    const specs = new Map(records.map((s) => [s.name, s.spec]));
    const limited = status.services.filter(
      (s) => s.pid !== null && s.state === 'running' && specs.get(s.name)?.limits.memoryBytes !== undefined,
    );
    if (limited.length === 0) return;
    const memory = await this.memoryOf(limited);
    for (const s of limited) {
      const spec = specs.get(s.name)!;
      const limit = spec.limits.memoryBytes!;
      const used = memory.get(s.name) ?? null;
      if (used === null || used <= limit || this.handled.get(s.name) === s.pid) continue;
      this.handled.set(s.name, s.pid!);
      await this.enforce(spec, s.pid!, used, limit);
    }
  }

  /** The status part: limits.memory of each service that sets one, and who enforces it here. */
  private publish(records: readonly ServiceRecord[]): void {
    if (!this.d.status) return;
    const limits = new Map<string, number>();
    for (const s of records)
      if (s.spec.limits.memoryBytes !== undefined) limits.set(s.name, s.spec.limits.memoryBytes);
    const key = JSON.stringify([...limits]);
    if (key === this.published) return;
    this.published = key;
    this.d.status.publish('memory', { enforcement: this.d.enforcement, limits });
  }

  stop(): void {
    this.d.sampler?.close?.();
  }

  /** Resolves when the restarts started so far are done (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async memoryOf(services: StatusDoc['services']): Promise<Map<string, number | null>> {
    if (!this.d.sampler) return new Map(services.map((s) => [s.name, s.memoryBytes]));
    const readings = await this.d.sampler.sample(
      services.map((s) => ({
        service: s.name,
        pid: s.pid,
        managerMemoryBytes: s.memoryBytes,
        managerCpuNsec: null,
      })),
    );
    return new Map(readings.map((r) => [r.service, r.memoryBytes]));
  }

  private async enforce(spec: ServiceSpec, pid: number, used: number, limit: number): Promise<void> {
    const { logger } = this.d;
    const policy = spec.restart.policy;
    logger.warn(
      { service: spec.name, pid, memoryBytes: used, limit },
      `over its memory limit: ${policy === 'no' ? 'stopping' : 'restarting'} it`,
    );
    await (this.d.appendExit ?? appendExitRecord)(this.d.exitsPath, {
      at: this.d.clock.now(),
      service: spec.name,
      result: MEMORY_LIMIT_RESULT,
      how: 'killed',
      status: 'KILL',
    });
    const p = (policy === 'no' ? this.d.manager.stop([spec.name]) : this.d.manager.restart([spec.name]))
      .catch((err: unknown) =>
        logger.error({ err, service: spec.name }, 'could not restart a service over its memory limit'),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
