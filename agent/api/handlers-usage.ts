/** What the daemon implements for the usage and budget routes (agent/api/routes/usage.ts). */
import type { BudgetResumeRequest, BudgetResumeResponse, BudgetStatusDoc, UsageReport, UsageSeries } from '../core/usage/report.js';
import type { UsageQuery, UsageSeriesQuery } from './routes/usage.js';

export interface UsageApiHandlers {
  /** GET /api/usage */
  usage(q: UsageQuery): UsageReport;
  /** GET /api/usage/series */
  usageSeries(q: UsageSeriesQuery): UsageSeries;
  /** GET /api/budget */
  budget(): BudgetStatusDoc;
  /** POST /api/budget/resume: raises (or lifts) today's caps and starts what was stopped for spend. */
  budgetResume(body: BudgetResumeRequest): Promise<BudgetResumeResponse>;
}
