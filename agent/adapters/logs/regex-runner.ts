/**
 * User-supplied regular expressions (log tail, follow, and the search's re-check) run here: in one
 * worker thread, one batch of lines at a time, each batch with its own time bound. A batch that runs
 * past it (a pattern like `(a+)+$` backtracking for ever on one line) gets the worker terminated and its
 * caller an E_REGEX_TIMEOUT; the next batch gets a fresh worker. The main thread only ever waits on a
 * message, so the agent keeps answering and SIGTERM keeps working whatever the pattern does.
 *
 * The worker is started on first use, unref'd (it never keeps a process alive) and stopped after a while
 * without work, so an agent that nobody greps holds no thread.
 */
import type { Worker } from 'node:worker_threads';
import { VigilError } from '../../core/errors.js';
import type { RegexBatch, RegexReply } from './regex-worker.js';
import { startWorker } from './worker-boot.js';

/** Runs a regex over lines: which of them match (true/false per line, in order). */
export interface RegexRunner {
  match(source: string, flags: string, lines: readonly string[]): Promise<boolean[]>;
}

export interface WorkerRegexOptions {
  /** The bound per batch, from the moment it is handed to a ready worker (ms). */
  batchMs?: number;
  /** A worker with nothing to do for this long is stopped (ms). */
  idleMs?: number;
  /** Starting the worker (tests may count starts). */
  start?: () => Worker;
}

export const REGEX_BATCH_MS = 1000;
const IDLE_MS = 10_000;

interface Pending {
  batch: RegexBatch;
  resolve: (hits: boolean[]) => void;
  reject: (err: Error) => void;
}

export class WorkerRegexRunner implements RegexRunner {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly queue: Pending[] = [];
  private busy = false;
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;
  /** Workers started so far (tests, and the benchmark's notes). */
  started = 0;

  constructor(private readonly opts: WorkerRegexOptions = {}) {}

  get batchMs(): number {
    return this.opts.batchMs ?? REGEX_BATCH_MS;
  }

  match(source: string, flags: string, lines: readonly string[]): Promise<boolean[]> {
    if (lines.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ batch: { id: this.nextId++, source, flags, lines: [...lines] }, resolve, reject });
      void this.pump();
    });
  }

  /** Stops the worker; batches still queued are rejected. */
  async close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    for (const p of this.queue.splice(0))
      p.reject(new VigilError('E_IO', 'the regular-expression worker was stopped'));
    await this.stopWorker();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    const job = this.queue.shift();
    if (!job) {
      this.armIdle();
      return;
    }
    this.busy = true;
    if (this.idle) clearTimeout(this.idle);
    try {
      const worker = await this.ensureWorker();
      worker.ref(); // while it works for someone, it keeps the process alive (the CLI waits on it)
      job.resolve(await this.run(worker, job.batch));
    } catch (err) {
      job.reject(err as Error);
    } finally {
      this.busy = false;
      void this.pump();
    }
  }

  private run(worker: Worker, batch: RegexBatch): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: RegexReply | 'ready'): void => {
        if (typeof m !== 'object' || m.id !== batch.id) return;
        done();
        const out = new Array<boolean>(batch.lines.length).fill(false);
        for (const i of m.hits) out[i] = true;
        resolve(out);
      };
      const onError = (err: Error): void => {
        done();
        void this.stopWorker();
        reject(new VigilError('E_IO', `the regular-expression worker failed: ${err.message}`));
      };
      const timer = setTimeout(() => {
        done();
        void this.stopWorker(); // the only way to stop a regex that backtracks for ever
        reject(
          new VigilError(
            'E_REGEX_TIMEOUT',
            `the regular expression /${batch.source}/${batch.flags} ran over ${this.batchMs} ms on ${batch.lines.length} line${batch.lines.length === 1 ? '' : 's'} and was stopped: it backtracks too much (nested quantifiers like (a+)+); simplify it or search for plain text`,
            { details: { pattern: batch.source, lines: batch.lines.length, boundMs: this.batchMs } },
          ),
        );
      }, this.batchMs);
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(batch);
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker && this.ready) {
      const w = this.worker;
      return this.ready.then(() => w);
    }
    const w = (this.opts.start ?? (() => startWorker('regex-worker', null)))();
    this.started++;
    w.unref();
    this.worker = w;
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: unknown): void => {
        if (m !== 'ready') return;
        w.off('message', onReady);
        w.off('error', reject);
        resolve();
      };
      w.on('message', onReady);
      w.once('error', reject);
    });
    w.once('exit', () => {
      if (this.worker === w) {
        this.worker = null;
        this.ready = null;
      }
    });
    return this.ready.then(() => w);
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) await w.terminate();
  }

  private armIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    if (!this.worker) return;
    this.worker.unref();
    this.idle = setTimeout(() => void this.stopWorker(), this.opts.idleMs ?? IDLE_MS);
    this.idle.unref();
  }
}

let shared: WorkerRegexRunner | null = null;

/** The process's one runner (the agent's log routes, the CLI reading logs without an agent). */
export function sharedRegexRunner(): WorkerRegexRunner {
  shared ??= new WorkerRegexRunner();
  return shared;
}
