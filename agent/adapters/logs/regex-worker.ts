/**
 * Runs user-supplied regular expressions over batches of lines, off the main thread: a JavaScript regex
 * cannot be interrupted, so the only bound on a pathological one is terminating the thread that runs it
 * (regex-runner.ts does, per batch). Replies with the indices of the lines that match.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

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

export interface RegexBatch {
  id: number;
  source: string;
  flags: string;
  lines: string[];
}

export interface RegexReply {
  id: number;
  hits: number[];
}

let cached: { key: string; re: RegExp } | null = null;

parentPort?.on('message', (b: RegexBatch) => {
  const key = `${b.flags}/${b.source}`;
  if (cached?.key !== key) cached = { key, re: new RegExp(b.source, b.flags.replace(/[gy]/g, '')) };
  const re = cached.re;
  const hits: number[] = [];
  for (let i = 0; i < b.lines.length; i++) if (re.test(b.lines[i]!)) hits.push(i);
  parentPort!.postMessage({ id: b.id, hits } satisfies RegexReply);
});
parentPort?.postMessage('ready');
