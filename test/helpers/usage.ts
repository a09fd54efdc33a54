/** A usage ledger on a real temporary SQLite file, with the real log reader and price table, for tests. */
import fs from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { SqliteUsageLedger } from '../../agent/adapters/sqlite/usage-ledger.js';
import { FileUsageLogReader } from '../../agent/adapters/usage/log-reader.js';
import { GenaiPriceCatalog } from '../../agent/adapters/pricing/genai-catalog.js';
import { InlineChunkParser } from '../../agent/adapters/usage/inline-parser.js';
import { UsageIngester } from '../../agent/app/usage/ingest.js';
import { Calendar } from '../../agent/core/usage/tz.js';
import type { UsageSpec } from '../../agent/core/manifest/usage.js';
import type { MetricsFetcher } from '../../agent/ports/usage-sources.js';
import { FakeClock } from './fake-clock.js';
import { tempDbPath } from './temp-db.js';

export const catalog = new GenaiPriceCatalog();
await catalog.ready();

/** Answers scrapes from a queue: a string is a body, an Error is a failed scrape. */
export class FakeFetcher implements MetricsFetcher {
  readonly queue: (string | Error)[] = [];
  async fetch(): Promise<string> {
    const next = this.queue.shift();
    if (next === undefined) throw new Error('connection refused');
    if (next instanceof Error) throw next;
    return next;
  }
}

export interface UsageEnv {
  dir: string;
  dbFile: string;
  store: SqliteStore;
  ledger: SqliteUsageLedger;
  clock: FakeClock;
  fetcher: FakeFetcher;
  ingester: UsageIngester;
  calendar: Calendar;
  logPath(service: string): string;
  /** A new store, ledger and ingester on the same database (an agent restart). */
  reopen(): void;
  close(): void;
}

export function usageEnv(start = Date.UTC(2026, 10, 26, 12)): UsageEnv {
  const dbFile = tempDbPath();
  const dir = path.join(path.dirname(dbFile), 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const clock = new FakeClock(start);
  const fetcher = new FakeFetcher();
  const logPath = (service: string) => path.join(dir, `${service}.log`);
  const make = () => {
    const store = SqliteStore.open(dbFile);
    const ledger = new SqliteUsageLedger(store.db);
    const quote = catalog.quote.bind(catalog);
    const ingester = new UsageIngester({
      store,
      ledger,
      reader: new FileUsageLogReader(),
      fetcher,
      quote,
      clock,
      logPath,
      parser: new InlineChunkParser(quote),
    });
    return { store, ledger, ingester };
  };
  const env: UsageEnv = {
    dir,
    dbFile,
    ...make(),
    clock,
    fetcher,
    calendar: new Calendar('UTC'),
    logPath,
    reopen() {
      void env.ingester.closeReader();
      env.store.close();
      Object.assign(env, make());
    },
    close() {
      void env.ingester.closeReader();
      env.store.close();
    },
  };
  return env;
}

export function usageSpec(over: Partial<UsageSpec> = {}): UsageSpec {
  return { metrics: false, log: {}, intervalSec: 10, ...over };
}

/** One llm_usage line (flat form) for a model with a known price. */
export function usageLine(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ event: 'llm_usage', model: 'claude-sonnet-4-5', provider: 'anthropic', ...fields })}\n`;
}
