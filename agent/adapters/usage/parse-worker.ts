/**
 * The parsing worker (a worker_threads entry): receives chunks of log bytes with their job, answers with
 * the priced entries, encoded as columns (chunk-codec.ts). It prices with its own copy of the bundled
 * price table.
 */
import { parentPort } from 'node:worker_threads';
import type { ChunkJob } from '../../core/usage/chunk.js';
import type { LogChunk } from '../../ports/usage-sources.js';
import { Calendar } from '../../core/usage/tz.js';
import { GenaiPriceCatalog } from '../pricing/genai-catalog.js';
import { encodeChunk } from './chunk-codec.js';
import { parseLogChunk } from './usage-lines.js';

export interface WorkerRequest {
  id: number;
  chunk: LogChunk;
  job: ChunkJob;
}

const catalog = new GenaiPriceCatalog();
const quote = catalog.quote.bind(catalog);
const calendars = new Map<string, Calendar>();

const ready = catalog.ready();

parentPort?.on('message', async (req: WorkerRequest) => {
  try {
    await ready;
    let cal = calendars.get(req.job.timezone);
    if (!cal) calendars.set(req.job.timezone, (cal = new Calendar(req.job.timezone)));
    const out = encodeChunk(parseLogChunk(req.chunk, req.job, quote, cal), req.job.service);
    parentPort!.postMessage({ id: req.id, out }, [out.nums.buffer as ArrayBuffer, out.strs.buffer as ArrayBuffer, out.keyLengths.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).message });
  }
});
parentPort?.postMessage({ ready: true });
