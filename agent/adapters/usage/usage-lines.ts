/**
 * The llm_usage lines of a chunk of log bytes, with the file offset each starts at. Only lines containing
 * the event name are decoded (a byte search), so ordinary log lines cost almost nothing.
 */
import { USAGE_EVENT } from '../../core/usage/normalize.js';
import { ChunkBuilder, type ChunkJob, type ParsedChunk } from '../../core/usage/chunk.js';
import type { QuoteFn } from '../../core/usage/pricer.js';
import type { Calendar } from '../../core/usage/tz.js';
import type { LogChunk } from '../../ports/usage-sources.js';

const NL = 0x0a;
const NEEDLE = Buffer.from(USAGE_EVENT);

/** Calls fn(line, fileOffset) for each llm_usage line of the chunk, in order. */
export function forEachUsageLine(
  data: Uint8Array,
  offset: number,
  fn: (line: string, offset: number) => void,
): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const end = buf.length;
  let pos = buf.indexOf(NEEDLE);
  while (pos !== -1) {
    const lineStart = buf.lastIndexOf(NL, pos) + 1;
    let lineEnd = buf.indexOf(NL, pos);
    if (lineEnd === -1) lineEnd = end;
    fn(buf.toString('utf8', lineStart, lineEnd), offset + lineStart);
    pos = lineEnd + 1 < end ? buf.indexOf(NEEDLE, lineEnd + 1) : -1;
  }
}

/** Parses a chunk of log bytes line by line into priced entries. */
export function parseLogChunk(
  chunk: LogChunk,
  job: ChunkJob,
  quote: QuoteFn,
  calendar: Calendar,
): ParsedChunk {
  const b = new ChunkBuilder(job, chunk.fileId, quote, calendar);
  forEachUsageLine(chunk.data, chunk.offset, (line, at) => b.add(line, at));
  return b.result();
}
