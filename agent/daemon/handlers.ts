/** The API handlers of the running agent. */
import type { ApiHandlers } from '../api/handlers.js';
import { VERSION } from '../cli/version.js';
import { requireServices } from '../app/status.js';
import { VigilError } from '../core/errors.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { Store } from '../ports/store.js';
import type { Supervisor } from './supervisor.js';

export function agentHandlers(deps: { supervisor: Supervisor; store: Store; manager: ServiceManager; startedAt: number }): ApiHandlers {
  const { supervisor, store, manager } = deps;
  return {
    async status() {
      return supervisor.currentStatus();
    },
    async action(service, verb) {
      requireServices(store, [service]);
      await manager[verb]([service]);
      await supervisor.tick();
      const status = supervisor.currentStatus().services.find((s) => s.name === service);
      if (!status) throw new VigilError('E_SERVICE_MANAGER', `${service} did not report a status after ${verb}`);
      return { service, action: verb, ok: true, status };
    },
    events(q) {
      return store.queryEvents(q);
    },
    subscribe(listener) {
      return supervisor.subscribe(listener);
    },
    health() {
      return { ok: true, version: VERSION, pid: process.pid, startedAt: new Date(deps.startedAt).toISOString() };
    },
  };
}
