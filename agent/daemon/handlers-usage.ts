/** The usage and budget API handlers of the running agent (spread into agentHandlers). */
import { VigilError } from '../core/errors.js';
import type { UsageApiHandlers } from '../api/handlers-usage.js';
import { budgetStatus, usageReport, usageSeries } from '../app/usage/query.js';
import type { AgentModule, AgentRuntime } from './module.js';
import { UsageModule } from './usage-module.js';

export function usageHandlers(services: AgentRuntime, modules: readonly AgentModule[]): UsageApiHandlers {
  const mod = modules.find((m): m is UsageModule => m instanceof UsageModule);
  const need = (): UsageModule => {
    if (!mod) throw new VigilError('E_STORE', 'usage tracking is not available in this agent (it needs the SQLite store)');
    return mod;
  };
  const deps = () => ({ store: services.store, ledger: need().ledger });
  const now = () => services.clock.now();
  return {
    usage: (q) => ({
      ...usageReport(deps(), q, now()),
      sources: need().ingester.sources().map((s) => ({
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
    usageSeries: (q) => usageSeries(deps(), q, now()),
    budget: () => budgetStatus(deps(), now()),
    async budgetResume(body) {
      const r = await need().watch.resume(body);
      // Start-up of the resumed services shows in the status at once.
      await services.supervisor.tick({ full: true });
      return { ...r, budget: budgetStatus(deps(), now()) };
    },
  };
}
