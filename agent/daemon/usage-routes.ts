/** The usage and budget routes of the running agent (a slice of agentRoutes). */
import { VigilError } from '../core/errors.js';
import type { RouteHandlers } from '../api/server.js';
import type { UsageRouteTypes } from '../api/contract.js';
import { budgetStatus, usageReport, usageSeries } from '../app/usage/query.js';
import type { AgentModule, AgentRuntime } from './module.js';
import { UsageModule } from './usage-module.js';

export function usageRoutes(
  services: AgentRuntime,
  modules: readonly AgentModule[],
): Pick<RouteHandlers, keyof UsageRouteTypes> {
  const mod = modules.find((m): m is UsageModule => m instanceof UsageModule);
  const need = (): UsageModule => {
    if (!mod)
      throw new VigilError(
        'E_UNAVAILABLE',
        'usage tracking is not available in this agent (it needs the SQLite store)',
      );
    return mod;
  };
  const deps = () => ({ store: services.store, ledger: need().ledger, systemZone: need().systemZone });
  const now = () => services.clock.now();
  return {
    usage: ({ query: q }) => ({
      ...usageReport(deps(), q, now()),
      sources: need()
        .sources()
        .map((s) => ({
          service: s.service,
          kind: s.kind,
          ok: s.ok,
          at: s.at > 0 ? new Date(s.at).toISOString() : null,
          error: s.error,
          entries: s.entries,
          rejected: s.rejected,
          reasons: s.reasons,
          gaps: s.gaps,
          lastGap: s.lastGap,
        })),
    }),
    usageSeries: ({ query }) => usageSeries(deps(), query, now()),
    budget: () => budgetStatus(deps(), now()),
    async budgetResume({ body }) {
      const r = await need().watch.resume(body);
      // Start-up of the resumed services shows in the status at once.
      await services.supervisor.tick({ full: true });
      return { ...r, budget: budgetStatus(deps(), now()) };
    },
  };
}
