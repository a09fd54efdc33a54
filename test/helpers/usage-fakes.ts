/** Fixed usage and budget documents for the fake API handlers (test/helpers/api-fixture.ts). */
import type {
  BudgetResumeRequest,
  BudgetResumeResponse,
  BudgetStatusDoc,
  UsageReport,
  UsageSeries,
} from '../../agent/core/usage/report.js';
import type { UsageQuery, UsageSeriesQuery } from '../../agent/api/routes/usage.js';
import { zeroTokens } from '../../agent/core/usage/model.js';

const TOTALS = {
  entries: 1,
  requests: 1,
  tokens: { ...zeroTokens(), input: 1000, output: 100 },
  costMicro: 4500,
  costUsd: 0.0045,
  reportedMicro: 0,
  unpricedRequests: 0,
  unpricedTokens: 0,
};

export function fakeUsageReport(q: UsageQuery): UsageReport {
  const day = q.day ?? '2026-11-26';
  return {
    period: { kind: 'day', day, from: day, to: day },
    by: q.by ?? 'service',
    timezone: 'UTC',
    rows: [{ key: 'web', ...TOTALS }],
    total: TOTALS,
    unpricedModels: [],
  };
}

export function fakeUsageSeries(q: UsageSeriesQuery): UsageSeries {
  return {
    range: q.range ?? 'today',
    by: q.by ?? 'service',
    timezone: 'UTC',
    buckets: ['2026-11-26T00'],
    points: [],
  };
}

export function fakeBudget(): BudgetStatusDoc {
  return {
    configured: true,
    timezone: 'UTC',
    day: '2026-11-26',
    month: '2026-11',
    state: 'ok',
    thresholds: [80, 100],
    onExceed: 'stop',
    todayMicro: 4500,
    todayUsd: 0.0045,
    monthMicro: 4500,
    monthUsd: 0.0045,
    dailyUsd: 10,
    dailyLifted: false,
    monthlyUsd: null,
    hourlyUsd: null,
    hour: { hour: '2026-11-26T12', spendMicro: 0, spendUsd: 0, capUsd: null, pct: null },
    byService: [{ service: 'web', spendMicro: 4500, spendUsd: 0.0045 }],
    scopes: [],
    stopped: [],
  };
}

export function fakeResume(body: BudgetResumeRequest): BudgetResumeResponse {
  return { resumed: body.services ?? [], raised: [], budget: fakeBudget() };
}
