/**
 * A regular-expression search in a worker thread, so the caller can stop it at its time bound even when
 * a pathological pattern backtracks for ever inside one line (JavaScript regexes cannot be interrupted).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { LogSearchQuery } from '../../core/logs/model.js';
import { searchLog } from './search.js';

// A pattern that backtracks spins this thread at full speed until it is stopped: on Linux, where the nice
// value is per thread, it yields the CPU to the agent's main thread (elsewhere it would renice the whole
// process, so it is left alone).
if (process.platform === 'linux') {
  try {
    setPriority(10);
  } catch {
    // not permitted: same priority as the rest
  }
}

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
