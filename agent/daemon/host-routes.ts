/** The host strip's route: the machine's facts, read when asked (systeminformation loads on the first). */
import type { RouteHandlers } from '../api/server.js';
import type { HostRouteTypes } from '../api/contract.js';
import { VigilError } from '../core/errors.js';
import type { HostFacts } from '../ports/host-facts.js';

export function hostRoutes(facts: HostFacts | undefined): Pick<RouteHandlers, keyof HostRouteTypes> {
  return {
    async host() {
      if (!facts) throw new VigilError('E_UNAVAILABLE', 'host facts are not available in this agent');
      try {
        return await facts.read();
      } catch (err) {
        throw new VigilError('E_IO', `cannot read the host's facts: ${(err as Error).message}`);
      }
    },
  };
}
