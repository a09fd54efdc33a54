/** Where usage is read from: service log files (followed across rotation) and Prometheus endpoints. */
import type { ChunkJob, ParsedChunk } from '../core/usage/chunk.js';

/** A position in a log: which file (inode, and a hash of its first line, so a replaced file is noticed) and where. */
export interface LogCursor {
  ino: number;
  offset: number;
  /** `<inode>-<hash of the first line>`; part of the idempotency key of entries without a request id. */
  fileId: string;
  /** The bytes before `offset` ended inside an over-long line: skip to the next newline first. */
  partial: boolean;
}

export interface LogChunk {
  /** Whole lines (a rotated file's unterminated last line included), as read: bytes, not yet decoded. */
  data: Uint8Array;
  /** File offset of data[0]. */
  offset: number;
  /** The file these lines come from. */
  fileId: string;
  /** Where to resume after this chunk. */
  next: LogCursor;
  /** Lines were lost before this chunk (why, without any line's content): a file rotated away unread. */
  gap?: string | null;
}

/** Reads a service's log from a cursor for usage ingestion (the log viewer's reader is ports/log-reader.ts). */
export interface UsageLogReader {
  /**
   * The next chunk after `cursor` (null: from the start of the current file), at most `maxBytes`: complete
   * lines of the file the cursor is in; when that file was rotated away (renamed to FILE.1 … FILE.K), its
   * remainder first, then the newer files in order. null when there is nothing new.
   */
  read(file: string, cursor: LogCursor | null, maxBytes: number): Promise<LogChunk | null>;
  /**
   * The cursor is stored (committed): what is before it will not be asked for again, so the reader may let
   * go of older files it keeps open. Until then an older cursor can still be read from.
   */
  committed(file: string, cursor: LogCursor): void;
  /**
   * The chunk's bytes are no longer needed (they were parsed): the reader may read a later chunk into the same
   * memory, so `chunk.data` must not be used after this. A chunk never released is simply left to the GC.
   */
  release(chunk: LogChunk): void;
  /** Lets go of every file kept open. */
  close(): Promise<void>;
}

export interface MetricsFetcher {
  /** The body of a GET (Prometheus text); throws when the endpoint is down, slow (timeout) or not 2xx. */
  fetch(url: string, timeoutMs: number): Promise<string>;
}

/**
 * Turns chunks of log bytes into priced ledger entries: finds the llm_usage lines and feeds them to a ChunkBuilder.
 * The agent's parses on its own thread, one small chunk at a time (CHUNK_BYTES in app/usage/ingest.ts).
 */
export interface ChunkParser {
  parse(chunk: LogChunk, job: ChunkJob): Promise<ParsedChunk>;
  /** Lets go of whatever the parser holds (idempotent). */
  close(): Promise<void>;
}
