/**
 * One chunk of a service's log → priced ledger entries: parse the llm_usage lines, normalize them, price
 * them, place them in their local day and hour, and give each its idempotency key (the request id, else
 * the file and byte offset of the line). Pure: the price lookup and the calendar are passed in, so the
 * same code runs in the agent's thread or in a parsing worker.
 */
import type { PricingSpec } from '../manifest/usage.js';
import type { LedgerEntry } from './model.js';
import { parseUsageLine } from './normalize.js';
import { priceUsage, type QuoteFn } from './pricer.js';
import type { Calendar } from './tz.js';

export interface ChunkJob {
  service: string;
  /** Provider assumed for events that do not name one. */
  provider: string | null;
  pricing: PricingSpec | undefined;
  /** The budget's time zone. */
  timezone: string;
  /** Time given to events that carry none (ms). */
  now: number;
}

export interface ChunkLines {
  lines: readonly string[];
  offsets: readonly number[];
  fileId: string;
}

export interface ParsedChunk {
  entries: LedgerEntry[];
  /** Usage lines that could not be used, and the last reason. */
  rejected: number;
  error: string | null;
}

export function parseChunk(chunk: ChunkLines, job: ChunkJob, quote: QuoteFn, calendar: Calendar): ParsedChunk {
  const entries: LedgerEntry[] = [];
  let rejected = 0;
  let error: string | null = null;
  const { service } = job;
  for (let i = 0; i < chunk.lines.length; i++) {
    const r = parseUsageLine(chunk.lines[i]!);
    if (r === null) continue;
    if (!r.ok) {
      rejected++;
      error = r.error;
      continue;
    }
    const u = r.usage;
    const at = u.at ?? job.now;
    const provider = u.provider ?? job.provider;
    const cost = priceUsage({ model: u.model, provider, at, tokens: u.tokens, requests: 1, reportedMicro: u.reportedMicro, aggregated: false }, job.pricing, quote);
    const local = calendar.local(at);
    entries.push({
      key: u.requestId !== null ? `log:${service}:req:${u.requestId}` : `log:${service}:${chunk.fileId}:${chunk.offsets[i]}`,
      at,
      day: local.day,
      hour: local.hour,
      service,
      model: u.model,
      provider,
      source: 'log',
      requests: 1,
      tokens: u.tokens,
      costMicro: cost.costMicro,
      costSource: cost.costSource,
      pricing: cost.pricing,
    });
  }
  return { entries, rejected, error };
}
