/**
 * "stopping web… 12 s" on stderr while a slow call runs, when stderr is a terminal: a stop may take the
 * service's whole stopTimeoutSec, and a silent CLI looks hung. Nothing is written when the call ends
 * within the first interval, or when stderr is not a terminal (scripts, pipes, --json consumers).
 */
import type { Io } from './io.js';

export interface ProgressOptions {
  /** How often the line is redrawn (ms); default 1 s. */
  everyMs?: number;
  now?: () => number;
}

export async function withProgress<T>(
  io: Io,
  label: string,
  run: () => Promise<T>,
  opts: ProgressOptions = {},
): Promise<T> {
  if (io.errIsTTY !== true) return run();
  const now = opts.now ?? Date.now;
  const started = now();
  let drawn = false;
  const timer = setInterval(() => {
    drawn = true;
    io.err(`\r\x1b[K${label}… ${Math.round((now() - started) / 1000)} s`);
  }, opts.everyMs ?? 1000);
  try {
    return await run();
  } finally {
    clearInterval(timer);
    if (drawn) io.err('\r\x1b[K');
  }
}
