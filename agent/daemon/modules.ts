/** The agent's feature modules, in the order their hooks run. Add a feature by adding its factory here. */
import type { AgentModule, AgentRuntime } from './module.js';
import type { LaunchdManager } from '../adapters/launchd/launchd-manager.js';
import type { ServiceManager } from '../ports/service-manager.js';
import { LaunchdWatch } from './launchd-watch.js';
import { IntentRecordingManager } from '../app/service-actions.js';
import { MemoryWatch } from './memory-watch.js';
import { PsSampler } from '../adapters/launchd/ps-sampler.js';
import { ProcfsSampler } from '../adapters/procfs/procfs-sampler.js';
import { memoryEnforcementHere } from '../adapters/systemd/memory-enforcement.js';
import { createMonitorModule } from './monitor-factory.js';
import { credentialModule } from './credentials.js';
import { createUsageModule } from './usage-factory.js';
import { createDiskModule } from './disk-module.js';

/** By its backend, not instanceof: the launchd module is not even loaded on Linux (see compose.ts). */
const isLaunchd = (m: ServiceManager): m is LaunchdManager => m.backend === 'launchd';

export function createModules(services: AgentRuntime): AgentModule[] {
  // The backend's own manager: the launchd watcher needs its giveUp (and records its restarts itself).
  const manager = services.ctx.rawManager;
  // macOS has no /proc: CPU and memory come from one batched `ps` (the launchd manager's own when it has them).
  const monitor = createMonitorModule(
    services,
    isLaunchd(manager) ? { sampler: new PsSampler(services.ctx.runner, services.ctx.env) } : {},
  );
  return [
    // macOS only: the start limit that launchd does not enforce.
    ...(isLaunchd(manager)
      ? [new LaunchdWatch({ manager, store: services.store, clock: services.clock, logger: services.logger })]
      : []),
    // limits.memory where the service manager does not enforce it (launchd; systemd on cgroup v1/hybrid).
    memoryWatch(services),
    // Health probes, resource history, alerts and notifications, /metrics.
    ...monitor,
    // Credential store: refreshes the values the log scrubber and the leak guard know.
    credentialModule(services),
    // Token usage, spend and budgets (alerts also go out through the monitor's notification channels).
    ...createUsageModule(services, monitor),
    // The disk-full condition: status, alert, and the probe write that notices when space is back.
    ...createDiskModule(services, monitor),
  ];
}

function memoryWatch(services: AgentRuntime): MemoryWatch {
  const { store, clock, logger } = services;
  const manager = services.ctx.rawManager;
  // Its restarts are intents (their SIGTERM is not `killed`) that keep the crash episode going: a
  // service that keeps outgrowing its limit is crash-looping.
  const recording = new IntentRecordingManager(manager, () => store, clock, { keepCrashes: true });
  const base = {
    manager: recording,
    store,
    clock,
    logger,
    exitsPath: services.ctx.paths.exits,
    status: services.status,
  };
  const { by, why } = memoryEnforcementHere(manager.backend, services.ctx.env);
  logger.info(
    { why },
    by === 'systemd'
      ? 'limits.memory: enforced by systemd (MemoryMax=)'
      : 'limits.memory: enforced by the agent',
  );
  if (by === 'systemd') return new MemoryWatch({ ...base, enforcement: 'systemd' });
  // launchd: the status's memory already comes from the tick's batched `ps`; Linux: read /proc.
  return new MemoryWatch({
    ...base,
    enforcement: 'agent',
    ...(isLaunchd(manager) ? {} : { sampler: new ProcfsSampler() }),
  });
}
