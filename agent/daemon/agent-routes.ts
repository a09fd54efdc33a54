/**
 * The agent's route table: every route of the contract but the server's own session routes, one slice
 * per feature (agent/daemon/<feature>-routes.ts). The compiler checks that no route is left out.
 */
import type { AgentApi } from '../api/server.js';
import type { AgentModule, AgentRuntime } from './module.js';
import { coreRoutes } from './core-routes.js';
import { monitorRoutes } from './monitor-routes.js';
import { credentialRoutes } from './credential-routes.js';
import { logRoutes } from './log-routes.js';
import { usageRoutes } from './usage-routes.js';
import { hostRoutes } from './host-routes.js';

export function agentRoutes(deps: {
  services: AgentRuntime;
  modules: readonly AgentModule[];
  startedAt: number;
  demo?: boolean;
}): AgentApi {
  return {
    ...coreRoutes(deps),
    ...monitorRoutes(deps.modules, () => deps.services.clock.now()),
    ...credentialRoutes(deps.services),
    ...logRoutes(deps.services),
    ...usageRoutes(deps.services, deps.modules),
    ...hostRoutes(deps.services.host),
  };
}
