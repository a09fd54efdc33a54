/** ResourceHistory on SQLite: raw samples + 1-minute rollups folded in on insert; series bucketed in SQL. */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  ResourceHistory,
  ResourceSample,
  ResourceSeries,
  ResourceSeriesPoint,
  SeriesQuery,
} from '../../ports/monitor-store.js';
import {
  MINUTE_MS as MINUTE,
  RAW_RETENTION_MS,
  ROLLUP_RETENTION_MS,
} from '../../core/resources/retention.js';
import type { Database } from './db.js';

type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

interface Row {
  t: number;
  cpu_avg: number | null;
  cpu_max: number | null;
  mem_avg: number | null;
  mem_max: number | null;
}

export class SqliteResourceHistory implements ResourceHistory {
  private readonly insertRaw: Stmt;
  private readonly foldMinute: Stmt;
  private readonly rawSeries: Stmt;
  private readonly minuteSeries: Stmt;
  private readonly pruneRaw: Stmt;
  private readonly pruneMinutes: Stmt;
  private readonly listServices: Stmt;
  private readonly recordTx: (samples: readonly ResourceSample[]) => void;

  constructor(private readonly db: Database) {
    this.insertRaw = db.prepare(
      `INSERT INTO resource_samples (service, at, cpu, mem, source) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (service, at) DO NOTHING`,
    );
    // max() of SQLite returns NULL when any argument is NULL: coalesce to -1 and back.
    this.foldMinute = db.prepare(
      `INSERT INTO resource_minutes (service, minute, cpu_sum, cpu_n, cpu_max, mem_sum, mem_n, mem_max)
       VALUES (@service, @minute, coalesce(@cpu, 0), @cpu IS NOT NULL, @cpu, coalesce(@mem, 0), @mem IS NOT NULL, @mem)
       ON CONFLICT (service, minute) DO UPDATE SET
         cpu_sum = cpu_sum + excluded.cpu_sum,
         cpu_n = cpu_n + excluded.cpu_n,
         cpu_max = nullif(max(coalesce(cpu_max, -1), coalesce(excluded.cpu_max, -1)), -1),
         mem_sum = mem_sum + excluded.mem_sum,
         mem_n = mem_n + excluded.mem_n,
         mem_max = nullif(max(coalesce(mem_max, -1), coalesce(excluded.mem_max, -1)), -1)`,
    );
    this.rawSeries = db.prepare(
      `SELECT CAST(at / @step AS INTEGER) * @step AS t, avg(cpu) AS cpu_avg, max(cpu) AS cpu_max, avg(mem) AS mem_avg, max(mem) AS mem_max
       FROM resource_samples WHERE service = @service AND at >= @since AND at < @until
       GROUP BY t ORDER BY t`,
    );
    this.minuteSeries = db.prepare(
      `SELECT CAST(minute / @step AS INTEGER) * @step AS t,
         CASE WHEN sum(cpu_n) > 0 THEN sum(cpu_sum) / sum(cpu_n) END AS cpu_avg, max(cpu_max) AS cpu_max,
         CASE WHEN sum(mem_n) > 0 THEN sum(mem_sum) / sum(mem_n) END AS mem_avg, max(mem_max) AS mem_max
       FROM resource_minutes WHERE service = @service AND minute >= @since AND minute < @until
       GROUP BY t ORDER BY t`,
    );
    this.pruneRaw = db.prepare('DELETE FROM resource_samples WHERE service = ? AND at < ?');
    this.pruneMinutes = db.prepare('DELETE FROM resource_minutes WHERE service = ? AND minute < ?');
    this.listServices = db.prepare('SELECT DISTINCT service FROM resource_minutes ORDER BY service').pluck();
    this.recordTx = db.transaction((samples: readonly ResourceSample[]) => {
      for (const s of samples) {
        const r = this.insertRaw.run(s.service, s.at, s.cpuPercent, s.memoryBytes, s.source);
        if (r.changes === 0) continue;
        this.foldMinute.run({
          service: s.service,
          minute: Math.floor(s.at / MINUTE) * MINUTE,
          cpu: s.cpuPercent,
          mem: s.memoryBytes,
        });
      }
    });
  }

  record(samples: readonly ResourceSample[]): void {
    if (samples.length > 0) this.recordTx(samples);
  }

  /** Raw samples while the range lies within the raw retention, else the minute rollups; buckets ≥ the resolution. */
  series(q: SeriesQuery, now: number): ResourceSeries {
    const resolution = q.since >= now - RAW_RETENTION_MS ? 'raw' : 'minute';
    const span = Math.max(1, q.until - q.since);
    const floor = resolution === 'raw' ? 1000 : MINUTE;
    const step = Math.max(floor, Math.ceil(span / Math.max(1, q.points) / floor) * floor);
    const stmt = resolution === 'raw' ? this.rawSeries : this.minuteSeries;
    const rows = stmt.all({ service: q.service, since: q.since, until: q.until, step }) as Row[];
    const points: ResourceSeriesPoint[] = rows.map((r) => ({
      at: r.t,
      cpuAvg: round(r.cpu_avg, 2),
      cpuMax: round(r.cpu_max, 2),
      memAvg: r.mem_avg === null ? null : Math.round(r.mem_avg),
      memMax: r.mem_max,
    }));
    return { service: q.service, resolution, stepMs: step, points };
  }

  prune(
    now: number,
    rawMs: number = RAW_RETENTION_MS,
    rollupMs: number = ROLLUP_RETENTION_MS,
  ): { raw: number; minutes: number } {
    let raw = 0;
    let minutes = 0;
    this.db.transaction(() => {
      for (const s of this.services()) {
        raw += this.pruneRaw.run(s, now - rawMs).changes;
        minutes += this.pruneMinutes.run(s, now - rollupMs).changes;
      }
    })();
    return { raw, minutes };
  }

  services(): string[] {
    return this.listServices.all() as string[];
  }
}

function round(x: number | null, digits: number): number | null {
  if (x === null) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
