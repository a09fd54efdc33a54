/** The agent's feature modules, in the order their hooks run. Add a feature by adding its factory here. */
import type { AgentModule, AgentServices } from './module.js';

export function createModules(_services: AgentServices): AgentModule[] {
  return [];
}
