/** Builds the health/resources/alerts module on the store's feature tables. */
import type { AgentModule, AgentRuntime } from './module.js';
import { MonitorModule, type MonitorOptions } from './monitor-module.js';

export function createMonitorModule(services: AgentRuntime, opts: MonitorOptions = {}): AgentModule[] {
  const { ledgers } = services.store;
  return [new MonitorModule(services, { history: ledgers.resourceHistory(), log: ledgers.alertLog() }, opts)];
}
