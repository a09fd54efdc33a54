/**
 * The ChunkParser of the agent: chunks of a backlog (many lines) are parsed and priced in a worker thread,
 * so that parsing the next chunk overlaps with storing this one; small chunks (the steady state: a few new
 * lines per round) are parsed in place. The worker starts on first need, stops after a quiet minute, and
 * never keeps the process alive; if it cannot start or dies, parsing continues in place.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChunkJob, ParsedChunk } from '../../core/usage/chunk.js';
import type { QuoteFn } from '../../core/usage/pricer.js';
import type { ChunkParser, LogChunk } from '../../ports/usage-sources.js';
import { decodeChunk, type EncodedChunk } from './chunk-codec.js';
import { InlineChunkParser } from './inline-parser.js';

/** Chunks of at least this many bytes go to the worker. */
export const WORKER_MIN_BYTES = 128 * 1024;
const IDLE_MS = 60_000;

type Reply = { id: number; out: EncodedChunk } | { id: number; error: string } | { ready: true };

/** Compiled: the .js next to this file. From source (tests, benchmarks under tsx): the .ts, through tsx. */
function bootstrap(): string {
  const js = new URL('./parse-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return `import(${JSON.stringify(js.href)})`;
  const ts = new URL('./parse-worker.ts', import.meta.url);
  return `import('tsx/esm/api').then((m) => m.tsImport(${JSON.stringify(ts.href)}, ${JSON.stringify(import.meta.url)}))`;
}

export class WorkerChunkParser implements ChunkParser {
  private worker: Worker | null = null;
  private broken = false;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (p: ParsedChunk) => void; reject: (e: Error) => void }>();
  private idle: NodeJS.Timeout | null = null;
  private readonly inline: InlineChunkParser;

  constructor(
    quote: QuoteFn,
    private readonly minBytes = WORKER_MIN_BYTES,
    /** The worker's code (tests: a worker that fails). */
    private readonly code: string = bootstrap(),
  ) {
    this.inline = new InlineChunkParser(quote);
  }

  /** Whether a worker is running (tests). */
  get running(): boolean {
    return this.worker !== null;
  }

  async parse(chunk: LogChunk, job: ChunkJob): Promise<ParsedChunk> {
    if (this.broken || chunk.data.byteLength < this.minBytes) return this.inline.parseNow(chunk, job);
    const copy = chunk.data.slice(); // the worker takes its own copy (transferred, so moved, not cloned)
    try {
      return await this.remote({ ...chunk, data: copy }, job);
    } catch {
      this.broken = true; // a worker that failed once is not tried again
      await this.close();
      return this.inline.parseNow(chunk, job);
    }
  }

  private remote(chunk: LogChunk, job: ChunkJob): Promise<ParsedChunk> {
    const w = this.start();
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const id = ++this.seq;
    return new Promise<ParsedChunk>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, chunk, job }, [chunk.data.buffer as ArrayBuffer]);
    }).finally(() => {
      if (this.waiting.size === 0) {
        this.idle = setTimeout(() => void this.close(), IDLE_MS);
        this.idle.unref();
      }
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.code, { eval: true });
    w.unref();
    w.on('message', (m: Reply) => {
      if ('ready' in m) return;
      const waiter = this.waiting.get(m.id);
      if (!waiter) return;
      this.waiting.delete(m.id);
      if ('error' in m) waiter.reject(new Error(m.error));
      else waiter.resolve(decodeChunk(m.out));
    });
    const fail = (err: Error) => {
      this.worker = null;
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the parsing worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
