/** The agent's feature modules, in the order their hooks run. Add a feature by adding its factory here. */
import type { AgentModule, AgentServices } from './module.js';
import type { LaunchdManager } from '../adapters/launchd/launchd-manager.js';
import type { ServiceManager } from '../ports/service-manager.js';
import { LaunchdWatch } from './launchd-watch.js';
import { PsSampler } from '../adapters/launchd/ps-sampler.js';
import { createMonitorModule } from './monitor-factory.js';
import { credentialModule } from './credentials.js';
import { createUsageModule } from './usage-module.js';
import { createDiskModule } from './disk-module.js';

/** By its backend, not instanceof: the launchd module is not even loaded on Linux (see compose.ts). */
const isLaunchd = (m: ServiceManager): m is LaunchdManager => m.backend === 'launchd';

export function createModules(services: AgentServices): AgentModule[] {
  const { manager } = services;
  // macOS has no /proc: CPU and memory come from one batched `ps` (the launchd manager's own when it has them).
  const monitor = createMonitorModule(services, isLaunchd(manager) ? { sampler: new PsSampler(services.ctx.runner, services.ctx.env) } : {});
  return [
    // macOS only: the memory limit and start limit that launchd does not enforce.
    ...(isLaunchd(manager)
      ? [new LaunchdWatch({ manager, store: services.store, clock: services.clock, logger: services.logger, exitsPath: services.ctx.paths.exits })]
      : []),
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
