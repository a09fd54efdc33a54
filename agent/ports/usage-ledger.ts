/**
 * The usage ledger: one row per usage entry under a unique idempotency key, and rollups per (day, service,
 * model) and (hour, service, model) kept in the same transaction, so totals read a few rows. Synchronous
 * (SQLite); `record` nests in Store.transaction, so a source's cursor commits together with its entries.
 */
import type { LedgerEntry, TokenCounts } from '../core/usage/model.js';

export interface UsageTotals {
  entries: number;
  requests: number;
  tokens: TokenCounts;
  /** Priced cost (computed, override and reported), µ$. */
  costMicro: number;
  /** The part of costMicro the provider reported. */
  reportedMicro: number;
  /** Requests and tokens of entries without a price (their cost is not in costMicro). */
  unpricedRequests: number;
  unpricedTokens: number;
}

export type Dimension = 'service' | 'model';

export interface KeyedTotals extends UsageTotals {
  /** The service or model name. */
  key: string;
}

export interface UsageSeriesPoint {
  /** A day ("2026-11-26") or an hour ("2026-11-26T14"). */
  bucket: string;
  key: string;
  costMicro: number;
  tokens: number;
  requests: number;
  unpricedRequests: number;
}

export interface UsageLedger {
  /** Inserts the entries whose key is new and adds them to the rollups; returns those inserted. */
  record(entries: readonly LedgerEntry[]): LedgerEntry[];
  /** Totals per service or model over whole days [from, to] (inclusive, "YYYY-MM-DD"). */
  totals(from: string, to: string, by: Dimension): KeyedTotals[];
  /** Per day per service/model over [from, to]. */
  daily(from: string, to: string, by: Dimension): UsageSeriesPoint[];
  /** Per hour per service/model over hours [from, to] (inclusive, "YYYY-MM-DDTHH"). */
  hourly(from: string, to: string, by: Dimension): UsageSeriesPoint[];
  /** Spend and tokens per (service, model) over days [from, to]. */
  pairs(from: string, to: string): { service: string; model: string; costMicro: number; tokens: number }[];
  /** Priced spend (µ$) over days [from, to], per service. */
  spendByService(from: string, to: string): Map<string, number>;
  /** Models seen without a price over days [from, to]. */
  unpricedModels(
    from: string,
    to: string,
  ): { model: string; service: string; requests: number; tokens: number }[];
  /** Drops hourly rollups older than `before` (an hour key); the daily rollups and entries are kept. */
  pruneHourly(before: string): number;
}
