/**
 * The agent's route table, and the API server it is bound to: every route of the contract but the
 * server's own session routes. The core routes (health, status, service actions, events) are here; each
 * other feature's slice comes from agent/daemon/<feature>-routes.ts. The compiler checks that no route is
 * left out.
 */
import {
  startApiServer,
  type AgentApi,
  type ApiServer,
  type RouteHandlers,
  type StreamSources,
} from '../api/server.js';
import { readOrCreateToken } from '../adapters/fs/token.js';
import type { CoreRouteTypes } from '../api/contract.js';
import { VERSION } from '../cli/version.js';
import { serviceAction } from '../app/service-actions.js';
import type { AgentModule, AgentRuntime } from './module.js';
import { monitorRoutes } from './monitor-routes.js';
import { credentialRoutes } from './credential-routes.js';
import { logRoutes } from './log-routes.js';
import { usageRoutes } from './usage-routes.js';
import { hostRoutes } from './host-routes.js';
import { findUiDir } from './ui-dir.js';

/**
 * The agent's API on its socket (and loopback HTTP when asked), answering from the route table below;
 * browser sessions are listed in the database across restarts.
 */
export function serveAgentApi(deps: {
  services: AgentRuntime;
  modules: readonly AgentModule[];
  startedAt: number;
  env: NodeJS.ProcessEnv;
  http: { host: string; port: number } | undefined;
}): Promise<ApiServer> {
  const { ctx, store, logger } = deps.services;
  return startApiServer({
    handlers: agentRoutes({ ...deps, demo: deps.env.VIGIL_DEMO === '1' }),
    socketPath: ctx.paths.socket,
    token: readOrCreateToken(ctx.paths.token),
    ...(deps.http ? { http: deps.http } : {}),
    uiDir: findUiDir(deps.env),
    sessionStore: {
      load: () => store.getState('ui.sessions'),
      save: (sessions) => store.setState('ui.sessions', sessions),
    },
    logger,
  });
}

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

/** The core routes: health, status, service actions and the event history/stream. */
function coreRoutes(deps: {
  services: AgentRuntime;
  modules: readonly AgentModule[];
  startedAt: number;
  /** The agent of `vigil demo` (its unit sets VIGIL_DEMO=1). */
  demo?: boolean;
}): Pick<RouteHandlers, keyof CoreRouteTypes> &
  Pick<StreamSources, 'eventHistory' | 'subscribe' | 'eventPages'> {
  const { supervisor, store, manager } = deps.services;
  // Materialised when something changes (the supervisor's tick, a module's part): read, not assembled.
  const status = () => deps.services.status.current();
  return {
    health: () => ({
      ok: true,
      version: VERSION,
      pid: process.pid,
      startedAt: new Date(deps.startedAt).toISOString(),
      ...(deps.demo ? { demo: true as const } : {}),
    }),
    status: () => status(),
    action: ({ params }) =>
      // The fresh status after the command: a full tick (it sets the supervisor's rows), then the document.
      serviceAction(
        { store, manager, refresh: async () => (await supervisor.tick({ full: true }), status()) },
        params.name,
        params.verb,
      ),
    events: ({ query }) => ({ events: store.queryEvents(query) }),
    reload: async () => {
      await deps.services.tickNow?.();
      return { ok: true };
    },
    eventHistory: (q) => store.queryEvents(q),
    ...(store.eventPages ? { eventPages: store.eventPages.bind(store) } : {}),
    subscribe: (listener) => supervisor.subscribe(listener, { viewer: true }),
  };
}
