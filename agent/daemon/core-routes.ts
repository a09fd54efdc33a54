/** The core routes of the running agent: health, status, service actions and the event history/stream. */
import type { RouteHandlers, StreamSources } from '../api/route-table.js';
import type { CoreRouteTypes } from '../api/contract.js';
import { VERSION } from '../cli/version.js';
import { serviceAction } from '../app/status.js';
import { SqliteStore } from '../adapters/sqlite/sqlite-store.js';
import { eventPages } from '../adapters/sqlite/event-pages.js';
import type { EventQuery } from '../ports/store.js';
import { decorate, type AgentModule, type AgentRuntime } from './module.js';

export function coreRoutes(deps: {
  services: AgentRuntime;
  modules: readonly AgentModule[];
  startedAt: number;
  /** The agent of `vigil demo` (its unit sets VIGIL_DEMO=1). */
  demo?: boolean;
}): Pick<RouteHandlers, keyof CoreRouteTypes> &
  Pick<StreamSources, 'eventHistory' | 'subscribe' | 'eventPages'> {
  const { supervisor, store, manager } = deps.services;
  const status = () => decorate(deps.modules, supervisor.currentStatus());
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
      // The fresh status after the command: a full tick, then the decorated document (health, spend…).
      serviceAction(
        { store, manager, refresh: async () => (await supervisor.tick({ full: true }), status()) },
        params.name,
        params.verb,
      ),
    events: ({ query }) => ({ events: store.queryEvents(query) }),
    eventHistory: (q) => store.queryEvents(q),
    ...(store instanceof SqliteStore ? { eventPages: (q: EventQuery) => eventPages(store.db, q) } : {}),
    subscribe: (listener) => supervisor.subscribe(listener, { viewer: true }),
  };
}
