/**
 * The UsageLedger on SQLite, on the Store's own connection (so a source's cursor, written with
 * Store.setState, commits in the same transaction as its entries). Entries are inserted with
 * `ON CONFLICT (key) DO NOTHING`; only those actually inserted are added to the rollups, summed per batch in
 * memory first, so each (day, service, model) and (hour, service, model) is upserted once per batch.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { LedgerEntry } from '../../core/usage/model.js';
import type { Dimension, KeyedTotals, UsageSeriesPoint, UsageLedger } from '../../ports/usage-ledger.js';
import type { Database } from './db.js';

type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

interface DailyAgg {
  day: string;
  service: string;
  model: string;
  v: number[]; // entries, requests, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost, reported, unpriced_req, unpriced_tok
}

interface HourlyAgg {
  hour: string;
  service: string;
  model: string;
  v: number[]; // requests, tokens, cost, unpriced_req
}

interface TotalsRow {
  key: string;
  entries: number;
  requests: number;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cache_write_1h: number;
  reasoning: number;
  cost_micro: number;
  reported_micro: number;
  unpriced_requests: number;
  unpriced_tokens: number;
}

const SUMS = `SUM(entries) AS entries, SUM(requests) AS requests, SUM(input) AS input, SUM(output) AS output,
  SUM(cache_read) AS cache_read, SUM(cache_write) AS cache_write, SUM(cache_write_1h) AS cache_write_1h,
  SUM(reasoning) AS reasoning, SUM(cost_micro) AS cost_micro, SUM(reported_micro) AS reported_micro,
  SUM(unpriced_requests) AS unpriced_requests, SUM(unpriced_tokens) AS unpriced_tokens`;

export class SqliteUsageLedger implements UsageLedger {
  private readonly insert: Stmt;
  private readonly upsertDaily: Stmt;
  private readonly upsertHourly: Stmt;
  private readonly queries = new Map<string, Stmt>();
  private readonly recordTx: (entries: readonly LedgerEntry[]) => LedgerEntry[];

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO usage_events (key, at, day, service, model, provider, source, requests, input, output, cache_read,
         cache_write, cache_write_1h, reasoning, cost_micro, cost_source, pricing)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    this.upsertDaily = db.prepare(
      `INSERT INTO usage_daily (day, service, model, entries, requests, input, output, cache_read, cache_write,
         cache_write_1h, reasoning, cost_micro, reported_micro, unpriced_requests, unpriced_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (day, service, model) DO UPDATE SET entries = entries + excluded.entries,
         requests = requests + excluded.requests, input = input + excluded.input, output = output + excluded.output,
         cache_read = cache_read + excluded.cache_read, cache_write = cache_write + excluded.cache_write,
         cache_write_1h = cache_write_1h + excluded.cache_write_1h, reasoning = reasoning + excluded.reasoning,
         cost_micro = cost_micro + excluded.cost_micro, reported_micro = reported_micro + excluded.reported_micro,
         unpriced_requests = unpriced_requests + excluded.unpriced_requests,
         unpriced_tokens = unpriced_tokens + excluded.unpriced_tokens`,
    );
    this.upsertHourly = db.prepare(
      `INSERT INTO usage_hourly (hour, service, model, requests, tokens, cost_micro, unpriced_requests)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (hour, service, model) DO UPDATE SET requests = requests + excluded.requests,
         tokens = tokens + excluded.tokens, cost_micro = cost_micro + excluded.cost_micro,
         unpriced_requests = unpriced_requests + excluded.unpriced_requests`,
    );
    this.recordTx = db.transaction((entries: readonly LedgerEntry[]) => this.recordIn(entries));
  }

  record(entries: readonly LedgerEntry[]): LedgerEntry[] {
    return entries.length === 0 ? [] : this.recordTx(entries);
  }

  private recordIn(entries: readonly LedgerEntry[]): LedgerEntry[] {
    const inserted: LedgerEntry[] = [];
    // hour → service → model → the day's and the hour's sums; nested maps on strings the entries share
    // (the calendar's day and hour, interned model names) cost far less than building a key per entry.
    const slots = new Map<string, Map<string, Map<string, { d: DailyAgg; h: HourlyAgg }>>>();
    const daily = new Map<string, DailyAgg>();
    for (const e of entries) {
      const t = e.tokens;
      const r = this.insert.run(
        e.key,
        e.at,
        e.day,
        e.service,
        e.model,
        e.provider,
        e.source,
        e.requests,
        t.input,
        t.output,
        t.cacheRead,
        t.cacheWrite,
        t.cacheWrite1h,
        t.reasoning,
        e.costMicro,
        e.costSource,
        e.pricing,
      );
      if (r.changes === 0) continue;
      inserted.push(e);
      let byService = slots.get(e.hour);
      if (!byService) slots.set(e.hour, (byService = new Map()));
      let byModel = byService.get(e.service);
      if (!byModel) byService.set(e.service, (byModel = new Map()));
      let slot = byModel.get(e.model);
      if (!slot) {
        const dk = `${e.day}\u0000${e.service}\u0000${e.model}`;
        let d = daily.get(dk);
        if (!d)
          daily.set(
            dk,
            (d = { day: e.day, service: e.service, model: e.model, v: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }),
          );
        slot = { d, h: { hour: e.hour, service: e.service, model: e.model, v: [0, 0, 0, 0] } };
        byModel.set(e.model, slot);
      }
      const tokens = t.input + t.output + t.cacheRead + t.cacheWrite + t.cacheWrite1h;
      const cost = e.costMicro ?? 0;
      const unpriced = e.costMicro === null;
      const dv = slot.d.v;
      dv[0]! += 1;
      dv[1]! += e.requests;
      dv[2]! += t.input;
      dv[3]! += t.output;
      dv[4]! += t.cacheRead;
      dv[5]! += t.cacheWrite;
      dv[6]! += t.cacheWrite1h;
      dv[7]! += t.reasoning;
      dv[8]! += cost;
      if (e.costSource === 'reported') dv[9]! += cost;
      if (unpriced) {
        dv[10]! += e.requests;
        dv[11]! += tokens;
      }
      const hv = slot.h.v;
      hv[0]! += e.requests;
      hv[1]! += tokens;
      hv[2]! += cost;
      if (unpriced) hv[3]! += e.requests;
    }
    for (const d of daily.values()) this.upsertDaily.run(d.day, d.service, d.model, ...d.v);
    for (const byService of slots.values()) {
      for (const byModel of byService.values())
        for (const { h } of byModel.values()) this.upsertHourly.run(h.hour, h.service, h.model, ...h.v);
    }
    return inserted;
  }

  private stmt(sql: string): Stmt {
    let s = this.queries.get(sql);
    if (!s) this.queries.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  totals(from: string, to: string, dim: Dimension): KeyedTotals[] {
    const by = column(dim);
    const rows = this.stmt(
      `SELECT ${by} AS key, ${SUMS} FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY ${by} ORDER BY cost_micro DESC, key`,
    ).all(from, to) as TotalsRow[];
    return rows.map((r) => ({
      key: r.key,
      entries: r.entries,
      requests: r.requests,
      tokens: {
        input: r.input,
        output: r.output,
        cacheRead: r.cache_read,
        cacheWrite: r.cache_write,
        cacheWrite1h: r.cache_write_1h,
        reasoning: r.reasoning,
      },
      costMicro: r.cost_micro,
      reportedMicro: r.reported_micro,
      unpricedRequests: r.unpriced_requests,
      unpricedTokens: r.unpriced_tokens,
    }));
  }

  daily(from: string, to: string, dim: Dimension): UsageSeriesPoint[] {
    const by = column(dim);
    return this.stmt(
      `SELECT day AS bucket, ${by} AS key, SUM(cost_micro) AS costMicro,
         SUM(input + output + cache_read + cache_write + cache_write_1h) AS tokens, SUM(requests) AS requests,
         SUM(unpriced_requests) AS unpricedRequests
       FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY day, ${by} ORDER BY day, ${by}`,
    ).all(from, to) as UsageSeriesPoint[];
  }

  hourly(from: string, to: string, dim: Dimension): UsageSeriesPoint[] {
    const by = column(dim);
    return this.stmt(
      `SELECT hour AS bucket, ${by} AS key, SUM(cost_micro) AS costMicro, SUM(tokens) AS tokens,
         SUM(requests) AS requests, SUM(unpriced_requests) AS unpricedRequests
       FROM usage_hourly WHERE hour >= ? AND hour <= ? GROUP BY hour, ${by} ORDER BY hour, ${by}`,
    ).all(from, to) as UsageSeriesPoint[];
  }

  pairs(from: string, to: string): { service: string; model: string; costMicro: number; tokens: number }[] {
    return this.stmt(
      `SELECT service, model, SUM(cost_micro) AS costMicro, SUM(input + output + cache_read + cache_write + cache_write_1h) AS tokens
       FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY service, model ORDER BY service, model`,
    ).all(from, to) as { service: string; model: string; costMicro: number; tokens: number }[];
  }

  spendByService(from: string, to: string): Map<string, number> {
    const rows = this.stmt(
      'SELECT service, SUM(cost_micro) AS cost FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY service',
    ).all(from, to) as { service: string; cost: number }[];
    return new Map(rows.map((r) => [r.service, r.cost]));
  }

  unpricedModels(
    from: string,
    to: string,
  ): { model: string; service: string; requests: number; tokens: number }[] {
    return this.stmt(
      `SELECT model, service, SUM(unpriced_requests) AS requests, SUM(unpriced_tokens) AS tokens FROM usage_daily
       WHERE day >= ? AND day <= ? AND (unpriced_requests > 0 OR unpriced_tokens > 0)
       GROUP BY model, service ORDER BY tokens DESC`,
    ).all(from, to) as { model: string; service: string; requests: number; tokens: number }[];
  }

  pruneHourly(before: string): number {
    return this.stmt('DELETE FROM usage_hourly WHERE hour < ?').run(before).changes;
  }
}

/** The column for a dimension (never interpolate anything else into SQL). */
function column(dim: Dimension): 'service' | 'model' {
  return dim === 'model' ? 'model' : 'service';
}
