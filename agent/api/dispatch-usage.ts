/** The server's side of the usage routes (spread into DISPATCH in dispatch.ts). */
import type { UsageApiHandlers } from './handlers-usage.js';
import type { UsageQuery, UsageSeriesQuery } from './routes/usage.js';
import { parseResumeBody } from './usage-bodies.js';

export const USAGE_DISPATCH = {
  usage: (h: UsageApiHandlers, _p: unknown, q: UsageQuery) => h.usage(q),
  usageSeries: (h: UsageApiHandlers, _p: unknown, q: UsageSeriesQuery) => h.usageSeries(q),
  budget: (h: UsageApiHandlers) => h.budget(),
  budgetResume: (h: UsageApiHandlers, _p: unknown, _q: unknown, body: unknown) => h.budgetResume(parseResumeBody(body)),
};
