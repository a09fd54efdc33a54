/** Builds the health/resources/alerts module on the agent's SQLite database. */
import { SqliteStore } from '../adapters/sqlite/sqlite-store.js';
import type { AgentModule, AgentServices } from './module.js';
import { MonitorModule, type MonitorOptions } from './monitor-module.js';

export function createMonitorModule(services: AgentServices, opts: MonitorOptions = {}): AgentModule[] {
  if (!(services.store instanceof SqliteStore)) {
    services.logger.warn('health, resources and alerts need the SQLite store; disabled');
    return [];
  }
  return [new MonitorModule(services, services.store.db, opts)];
}
