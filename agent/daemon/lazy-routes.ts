/**
 * A route slice whose handlers are imported on the first request to any of them, not when the agent
 * starts: a feature an idle agent never serves (credential management) stays out of its memory
 * (test/bench/RESULTS-footprint.md). Each handler of the slice awaits the one import, then answers as the
 * loaded handler does.
 */
import type { RouteHandlers, RouteRequest } from '../api/server.js';
import type { RouteName } from '../api/contract.js';

export function lazyRoutes<K extends RouteName>(
  names: readonly K[],
  load: () => Promise<Pick<RouteHandlers, K>>,
): Pick<RouteHandlers, K> {
  let loaded: Promise<Pick<RouteHandlers, K>> | null = null;
  const handlers = {} as Record<K, (req: RouteRequest<K>) => Promise<unknown>>;
  for (const name of names)
    handlers[name] = async (req) => {
      const slice = await (loaded ??= load());
      return (slice[name] as (req: RouteRequest<K>) => unknown)(req);
    };
  return handlers as unknown as Pick<RouteHandlers, K>;
}
