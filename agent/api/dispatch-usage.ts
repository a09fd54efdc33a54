/** The server's side of the usage routes (spread into DISPATCH in dispatch.ts). */
import type { UsageApiHandlers } from './handlers-usage.js';
import type { UsageQuery, UsageSeriesQuery } from './routes/usage.js';

export const USAGE_DISPATCH = {
  usage: (h: UsageApiHandlers, _p: unknown, q: UsageQuery) => h.usage(q),
  usageSeries: (h: UsageApiHandlers, _p: unknown, q: UsageSeriesQuery) => h.usageSeries(q),
  budget: (h: UsageApiHandlers) => h.budget(),
  // The body schema (zod) loads on the first resume, not with the agent (see dispatch-credentials.ts).
  budgetResume: async (h: UsageApiHandlers, _p: unknown, _q: unknown, body: unknown) => {
    const { parseResumeBody } = await import('./usage-bodies.js');
    return h.budgetResume(parseResumeBody(body));
  },
};
