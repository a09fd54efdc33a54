/**
 * The machine the agent runs on, for the host strip:
 *   GET /api/host  → HostDoc (CPU, memory, load, free space where VIGIL_HOME lives, uptime; power on macOS)
 */
import type { HostDoc } from '../../core/host.js';
import type { NoParams, NoQuery, RouteSpec } from '../route-spec.js';

export type { HostDoc } from '../../core/host.js';

export const HOST_ROUTES = {
  host: { method: 'GET', path: '/api/host' },
} as const satisfies Record<string, RouteSpec>;

export interface HostRouteTypes {
  host: { params: NoParams; query: NoQuery; body: undefined; response: HostDoc };
}
