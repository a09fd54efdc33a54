/**
 * The usage log reader and chunk parser, imported on the first read rather than when the agent starts:
 * an agent whose services log no usage never reads a log for it, and the reader, the line parser and its
 * normaliser are not in its memory (test/bench/RESULTS-footprint.md; test/unit/lazy-loading.test.ts keeps
 * them out of the start-up graph). Each forwards to the real one once loaded; what comes before any read
 * (committing or releasing a chunk it never handed out, closing) has nothing to forward to.
 */
import type { ChunkJob, ParsedChunk } from '../../core/usage/chunk.js';
import type { QuoteFn } from '../../core/usage/pricer.js';
import type { ChunkParser, LogChunk, LogCursor, UsageLogReader } from '../../ports/usage-sources.js';

/** One import, shared by every caller; `now` is what it loaded, once it has. */
function once<T>(load: () => Promise<T>): { get(): Promise<T>; now: () => T | null } {
  let loading: Promise<T> | null = null;
  let loaded: T | null = null;
  return {
    get: () => (loading ??= load().then((x) => (loaded = x))),
    now: () => loaded,
  };
}

export class LazyUsageLogReader implements UsageLogReader {
  private readonly reader = once(async () => new (await import('./log-reader.js')).FileUsageLogReader());

  async read(file: string, cursor: LogCursor | null, maxBytes: number): Promise<LogChunk | null> {
    return (await this.reader.get()).read(file, cursor, maxBytes);
  }

  committed(file: string, cursor: LogCursor): void {
    this.reader.now()?.committed(file, cursor);
  }

  release(chunk: LogChunk): void {
    this.reader.now()?.release(chunk);
  }

  async close(): Promise<void> {
    await this.reader.now()?.close();
  }
}

export class LazyChunkParser implements ChunkParser {
  private readonly parser = once(
    async () => new (await import('./inline-parser.js')).InlineChunkParser(this.quote),
  );

  constructor(private readonly quote: QuoteFn) {}

  async parse(chunk: LogChunk, job: ChunkJob): Promise<ParsedChunk> {
    return (await this.parser.get()).parse(chunk, job);
  }

  async close(): Promise<void> {
    await this.parser.now()?.close();
  }
}
