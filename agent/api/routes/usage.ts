/**
 * Usage and budget routes. Browser-safe: types, the route table and query codecs.
 *
 *   GET  /api/usage?day=YYYY-MM-DD|month=YYYY-MM&by=service|model   → UsageReport (default: today, by service)
 *   GET  /api/usage/series?range=today|30d&by=service|model         → UsageSeries (per hour today / per day, 30 days)
 *   GET  /api/budget                                                → BudgetStatusDoc
 *   POST /api/budget/resume  {addUsd?, services?}                   → BudgetResumeResponse
 */
import type {
  BudgetResumeRequest,
  BudgetResumeResponse,
  BudgetStatusDoc,
  UsageDimension,
  UsageReport,
  UsageSeries,
  UsageSeriesRange,
} from '../../core/usage/report.js';
import {
  onlyKeys,
  usageError,
  type NoParams,
  type NoQuery,
  type QueryCodec,
  type QueryCodecs,
  type RouteSpec,
} from '../route-spec.js';

export type {
  BudgetGlance,
  BudgetResumeRequest,
  BudgetResumeResponse,
  BudgetScopeDoc,
  BudgetStatusDoc,
  ServiceSpend,
  StoppedDoc,
  UsageDimension,
  UsagePoint,
  UsageReport,
  UsageSeries,
  UsageSeriesRange,
  UsageSourceDoc,
  UsageTotalsDoc,
} from '../../core/usage/report.js';

export const USAGE_ROUTES = {
  usage: { method: 'GET', path: '/api/usage' },
  usageSeries: { method: 'GET', path: '/api/usage/series' },
  budget: { method: 'GET', path: '/api/budget' },
  budgetResume: { method: 'POST', path: '/api/budget/resume' },
} as const satisfies Record<string, RouteSpec>;

export interface UsageQuery {
  day?: string;
  month?: string;
  by?: UsageDimension;
}

export interface UsageSeriesQuery {
  range?: UsageSeriesRange;
  by?: UsageDimension;
}

export interface UsageRouteTypes {
  usage: { params: NoParams; query: UsageQuery; body: undefined; response: UsageReport };
  usageSeries: { params: NoParams; query: UsageSeriesQuery; body: undefined; response: UsageSeries };
  budget: { params: NoParams; query: NoQuery; body: undefined; response: BudgetStatusDoc };
  budgetResume: {
    params: NoParams;
    query: NoQuery;
    body: BudgetResumeRequest;
    response: BudgetResumeResponse;
  };
}

function decodeBy(raw: string | null): UsageDimension | undefined {
  if (raw === null || raw === '') return undefined;
  if (raw !== 'service' && raw !== 'model') throw usageError(`by must be service or model, got "${raw}"`);
  return raw;
}

const USAGE_KEYS = new Set(['day', 'month', 'by']);
const usageCodec: QueryCodec<UsageQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.day !== undefined) sp.set('day', q.day);
    if (q.month !== undefined) sp.set('month', q.month);
    if (q.by !== undefined) sp.set('by', q.by);
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, USAGE_KEYS, '/api/usage');
    const q: UsageQuery = {};
    const day = sp.get('day');
    const month = sp.get('month');
    if (day !== null && day !== '') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw usageError(`day must be YYYY-MM-DD, got "${day}"`);
      q.day = day;
    }
    if (month !== null && month !== '') {
      if (!/^\d{4}-\d{2}$/.test(month)) throw usageError(`month must be YYYY-MM, got "${month}"`);
      q.month = month;
    }
    if (q.day !== undefined && q.month !== undefined) throw usageError('give day or month, not both');
    const by = decodeBy(sp.get('by'));
    if (by) q.by = by;
    return q;
  },
};

const SERIES_KEYS = new Set(['range', 'by']);
const seriesCodec: QueryCodec<UsageSeriesQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.range !== undefined) sp.set('range', q.range);
    if (q.by !== undefined) sp.set('by', q.by);
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, SERIES_KEYS, '/api/usage/series');
    const q: UsageSeriesQuery = {};
    const range = sp.get('range');
    if (range !== null && range !== '') {
      if (range !== 'today' && range !== '30d')
        throw usageError(`range must be today or 30d, got "${range}"`);
      q.range = range;
    }
    const by = decodeBy(sp.get('by'));
    if (by) q.by = by;
    return q;
  },
};

export const USAGE_QUERY_CODECS: QueryCodecs<UsageRouteTypes> = {
  usage: usageCodec,
  usageSeries: seriesCodec,
};
