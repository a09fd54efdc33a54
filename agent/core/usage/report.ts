/** The documents the usage API and `vigil usage` / `vigil budget` return. Pure types (browser-safe). */
import type { BudgetState, ScopeId } from './budget.js';
import type { TokenCounts } from './model.js';

export type UsageDimension = 'service' | 'model';
export type UsageSeriesRange = 'today' | '30d';

export interface UsageTotalsDoc {
  entries: number;
  requests: number;
  tokens: TokenCounts;
  /** Priced cost in µ$ (reported, computed and override), and the same in USD. */
  costMicro: number;
  costUsd: number;
  /** The part of the cost reported by the provider or proxy. */
  reportedMicro: number;
  /** Requests and tokens whose model has no known price (not in the cost). */
  unpricedRequests: number;
  unpricedTokens: number;
}

export interface UsageReport {
  period:
    | { kind: 'day'; day: string; from: string; to: string }
    | { kind: 'month'; month: string; from: string; to: string };
  by: UsageDimension;
  timezone: string;
  /** One row per service or model, most expensive first. */
  rows: (UsageTotalsDoc & { key: string })[];
  total: UsageTotalsDoc;
  unpricedModels: { model: string; service: string; requests: number; tokens: number }[];
  /** The agent's usage sources since it started (only when the agent answers). */
  sources?: UsageSourceDoc[];
}

export interface UsageSourceDoc {
  service: string;
  kind: 'log' | 'metrics' | 'litellm' | 'otlp';
  /** The last read or scrape worked. */
  ok: boolean;
  /** ISO time of the last attempt. */
  at: string | null;
  /** Why the last attempt failed. */
  error: string | null;
  /** Entries stored since the agent started. */
  entries: number;
  /**
   * Lines that mention llm_usage but could not be used, since the log was first read (kept across agent
   * restarts), and how many for each reason (never a line's content).
   */
  rejected: number;
  reasons?: Record<string, number>;
  /** Times lines were lost because a log file was rotated away before it was read, and the last reason. */
  gaps?: number;
  lastGap?: string | null;
}

export interface UsagePoint {
  /** An hour "2026-11-26T14" or a day "2026-11-26". */
  bucket: string;
  key: string;
  costMicro: number;
  tokens: number;
  requests: number;
  unpricedRequests: number;
}

export interface UsageSeries {
  range: UsageSeriesRange;
  by: UsageDimension;
  timezone: string;
  /** Every bucket of the range in order (24 hours of today, or 30 days), empty ones included. */
  buckets: string[];
  /** Non-empty (bucket, key) points. */
  points: UsagePoint[];
}

export interface BudgetScopeDoc {
  scope: ScopeId;
  label: string;
  period: string;
  capMicro: number;
  capUsd: number;
  spendMicro: number;
  spendUsd: number;
  /** Percent of the cap, one decimal; null for a spent $0 cap. */
  pct: number | null;
  onExceed: 'alert' | 'stop';
  targets: string[];
  /** `vigil budget resume` without --add lifted it for the rest of the period. */
  lifted: boolean;
}

export interface StoppedDoc {
  service: string;
  /** ISO time. */
  at: string;
  scope: ScopeId;
  period: string;
  capMicro: number;
  spendMicro: number;
}

export interface BudgetStatusDoc {
  configured: boolean;
  timezone: string;
  day: string;
  month: string;
  state: BudgetState;
  thresholds: number[];
  onExceed: 'alert' | 'stop';
  todayMicro: number;
  todayUsd: number;
  monthMicro: number;
  monthUsd: number;
  /**
   * The caps in effect (core/usage/budget.ts effectiveCap): the manifest's plus what `vigil budget resume
   * --add` added this period; null when not set.
   */
  dailyUsd: number | null;
  /** Resume without --add paused the daily cap's enforcement for the rest of the day. */
  dailyLifted: boolean;
  monthlyUsd: number | null;
  /** `budget.hourlyUsd`, if set. */
  hourlyUsd: number | null;
  /** Spend in the current local hour ("2026-12-02T14"), against the hourly cap. */
  hour: { hour: string; spendMicro: number; spendUsd: number; capUsd: number | null; pct: number | null };
  byService: { service: string; spendMicro: number; spendUsd: number }[];
  scopes: BudgetScopeDoc[];
  stopped: StoppedDoc[];
}

export interface BudgetResumeRequest {
  /** Raise the caps by this many USD; without it they are lifted for the rest of the period. */
  addUsd?: number;
  /** Only these services (default: every service stopped for spend). */
  services?: string[];
}

export interface BudgetResumeResponse {
  resumed: string[];
  raised: { scope: string; period: string; capMicro: number | null; lifted: boolean }[];
  budget: BudgetStatusDoc;
}

/** What the status document gets per service (additive field `spend`). */
export interface ServiceSpend {
  todayMicro: number;
  todayUsd: number;
  /** Requests today whose model has no known price. */
  unpricedRequests: number;
  /** The service's daily cap in effect (USD, raised by resume --add), if the budget sets one. */
  capUsd: number | null;
  /** Stopped by Vigil because of spend. */
  stoppedForBudget: boolean;
}

/** What the status document gets at the top (additive field `budget`). */
export interface BudgetGlance {
  day: string;
  todayUsd: number;
  /** The daily cap in effect (effectiveCap), null when there is none. */
  dailyUsd: number | null;
  /** Its enforcement is paused for the rest of the day (resume without --add); absent from older agents. */
  lifted?: boolean;
  /** Percent of the daily budget, null when there is none. */
  pct: number | null;
  state: BudgetState;
  stopped: string[];
}
