/**
 * One chunk of a service's log → priced ledger entries: parse the llm_usage lines, normalize them, price
 * them, place them in their local day and hour, and give each its idempotency key (the request id, else
 * the file and byte offset of the line). Pure: the price lookup and the calendar are passed in.
 */
import type { PricingSpec } from '../manifest/usage.js';
import type { LedgerEntry } from './model.js';
import { parseUsageLine } from './normalize.js';
import { groupOf } from '../manifest/replicas.js';
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

export interface ParsedChunk {
  entries: LedgerEntry[];
  /** Usage lines that could not be used. */
  rejected: number;
  /**
   * How many of them for each reason. A reason names what is wrong (a field, "not valid JSON"), never a
   * value from the line: lines can carry secrets, and the reasons are few.
   */
  reasons: Record<string, number>;
}

/**
 * Builds a ParsedChunk line by line, so a caller that finds lines in a buffer parses each as it goes and
 * keeps only the entries (not every line of the chunk).
 */
export class ChunkBuilder {
  private readonly entries: LedgerEntry[] = [];
  private rejected = 0;
  private readonly reasons: Record<string, number> = {};
  /** Model and provider names, shared between entries rather than one copy per line. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly job: ChunkJob,
    private readonly fileId: string,
    private readonly quote: QuoteFn,
    private readonly calendar: Calendar,
  ) {}

  private intern(s: string): string {
    const hit = this.names.get(s);
    if (hit !== undefined) return hit;
    this.names.set(s, s);
    return s;
  }

  add(line: string, offset: number): void {
    const r = parseUsageLine(line);
    if (r === null) return;
    if (!r.ok) {
      this.rejected++;
      this.reasons[r.error] = (this.reasons[r.error] ?? 0) + 1;
      return;
    }
    const { job } = this;
    const u = r.usage;
    const at = u.at ?? job.now;
    const model = this.intern(u.model);
    const provider = u.provider !== null ? this.intern(u.provider) : job.provider;
    const cost = priceUsage(
      {
        model,
        provider,
        at,
        tokens: u.tokens,
        requests: 1,
        reportedMicro: u.reportedMicro,
        aggregated: false,
      },
      job.pricing,
      this.quote,
    );
    const local = this.calendar.local(at);
    this.entries.push({
      key:
        u.requestId !== null
          ? `log:${job.service}:req:${u.requestId}`
          : `log:${job.service}:${this.fileId}:${offset}`,
      at,
      day: local.day,
      hour: local.hour,
      // An instance's usage is its service's (replicas.ts); the key above keeps each instance's lines apart.
      service: groupOf(job.service),
      model,
      provider,
      source: 'log',
      requests: 1,
      tokens: u.tokens,
      costMicro: cost.costMicro,
      costSource: cost.costSource,
      pricing: cost.pricing,
    });
  }

  result(): ParsedChunk {
    return { entries: this.entries, rejected: this.rejected, reasons: this.reasons };
  }
}
