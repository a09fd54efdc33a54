/**
 * The API handlers of the running agent: the core ones here; each feature adds its own handler factory
 * (agent/daemon/handlers-<feature>.ts) spread into the object below.
 */
import type { ApiHandlers } from '../api/handlers.js';
import { VERSION } from '../cli/version.js';
import { requireServices } from '../app/status.js';
import { VigilError } from '../core/errors.js';
import { decorate, type AgentModule, type AgentRuntime } from './module.js';
import { monitorHandlers } from './handlers-monitor.js';
import { credentialHandlers } from './credentials.js';
import { logHandlers } from './handlers-logs.js';
import { usageHandlers } from './handlers-usage.js';
import { SqliteStore } from '../adapters/sqlite/sqlite-store.js';
import { eventPages } from '../adapters/sqlite/event-pages.js';
import type { EventQuery } from '../ports/store.js';

export function agentHandlers(deps: { services: AgentRuntime; modules: readonly AgentModule[]; startedAt: number }): ApiHandlers {
  const { supervisor, store, manager } = deps.services;
  const status = () => decorate(deps.modules, supervisor.currentStatus());
  return {
    async status() {
      return status();
    },
    async action(service, verb) {
      requireServices(store, [service]);
      await manager[verb]([service]);
      await supervisor.tick({ full: true });
      const s = status().services.find((x) => x.name === service);
      if (!s) throw new VigilError('E_SERVICE_MANAGER', `${service} did not report a status after ${verb}`);
      return { service, action: verb, ok: true, status: s };
    },
    events(q) {
      return store.queryEvents(q);
    },
    ...(store instanceof SqliteStore ? { eventPages: (q: EventQuery) => eventPages(store.db, q) } : {}),
    subscribe(listener) {
      return supervisor.subscribe(listener);
    },
    health() {
      return { ok: true, version: VERSION, pid: process.pid, startedAt: new Date(deps.startedAt).toISOString() };
    },
    ...monitorHandlers(deps.modules, () => deps.services.clock.now()),
    ...credentialHandlers(deps.services),
    ...logHandlers(deps.services),
    ...usageHandlers(deps.services, deps.modules),
  };
}
