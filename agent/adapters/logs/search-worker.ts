/**
 * A regular-expression search in a worker thread, so the caller can stop it at its time bound even when
 * a pathological pattern backtracks for ever inside one line (JavaScript regexes cannot be interrupted).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LogSearchQuery } from '../../core/logs/model.js';
import { searchLog } from './search.js';

const { base, query } = workerData as { base: string; query: LogSearchQuery };
searchLog(base, query).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (err: unknown) =>
    parentPort?.postMessage({
      ok: false,
      code: (err as { code?: unknown }).code,
      message: err instanceof Error ? err.message : String(err),
    }),
);
