/** The ChunkParser that parses in the calling thread (the agent's: see the note in daemon/usage-module.ts). */
import type { ChunkJob, ParsedChunk } from '../../core/usage/chunk.js';
import type { QuoteFn } from '../../core/usage/pricer.js';
import { Calendar } from '../../core/usage/tz.js';
import type { ChunkParser, LogChunk } from '../../ports/usage-sources.js';
import { parseLogChunk } from './usage-lines.js';

export class InlineChunkParser implements ChunkParser {
  private readonly calendars = new Map<string, Calendar>();

  constructor(private readonly quote: QuoteFn) {}

  parseNow(chunk: LogChunk, job: ChunkJob): ParsedChunk {
    let cal = this.calendars.get(job.timezone);
    if (!cal) this.calendars.set(job.timezone, (cal = new Calendar(job.timezone)));
    return parseLogChunk(chunk, job, this.quote, cal);
  }

  async parse(chunk: LogChunk, job: ChunkJob): Promise<ParsedChunk> {
    return this.parseNow(chunk, job);
  }

  async close(): Promise<void> {}
}
