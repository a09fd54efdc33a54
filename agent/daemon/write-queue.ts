/**
 * The agent's database writes, kept in order and retried when another process holds the lock.
 *
 * The agent's connection waits only a few tens of milliseconds for a lock (sqlite/busy.ts): a write that
 * still finds the database locked fails with SQLITE_BUSY. Such a job is kept, and so is every job after
 * it (order matters: events before the offset that says they were read), and the queue runs them again
 * from a timer with a growing delay, off the request and tick paths. A job is a whole transaction, so
 * running it again after a failure repeats nothing; what it wants to happen once it has landed (publish
 * the new events) goes through afterCommit, which waits for the outermost job to commit.
 *
 * While the queue holds jobs they live only in memory: a job must be one whose loss an agent crash can
 * repair (the supervisor's is — the journal offset it stores is not advanced until it lands).
 */

export interface WriteQueueOptions {
  /** Errors worth running the job again for (the database is locked); anything else is a failure. */
  isRetryable: (err: unknown) => boolean;
  /** Delays between attempts (ms); the last repeats. */
  retryMs?: readonly number[];
  /** setTimeout by default; returns a cancel function. Injected in tests. */
  schedule?: (fn: () => void, ms: number) => () => void;
  /** A job that failed for good when run from the timer (its caller is gone by then). */
  onError?: (err: unknown, label: string) => void;
  /** Called once when jobs start waiting and once when they have all landed (for logs and status). */
  onBlocked?: (blocked: boolean, waiting: number) => void;
}

interface Job {
  label: string;
  run: () => void;
  /** Jobs with the same key are one job: a second submit while the first waits adds nothing. */
  key: string | null;
}

const DEFAULT_RETRY_MS = [50, 100, 200, 400, 800, 1000];

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export class WriteQueue {
  private readonly waiting: Job[] = [];
  private depth = 0;
  private committed: Array<() => void> = [];
  private attempt = 0;
  private cancel: (() => void) | null = null;

  constructor(private readonly opts: WriteQueueOptions) {}

  /** Jobs not yet landed. */
  get pending(): number {
    return this.waiting.length;
  }

  /**
   * Runs `job` now, unless earlier jobs are still waiting (then it waits behind them). Returns true when
   * it landed now. A retryable failure keeps the job for later and returns false; any other error is
   * thrown. Inside another job, `job` simply runs (and its failure fails the outer one).
   */
  submit(label: string, job: () => void, opts: { key?: string } = {}): boolean {
    if (this.depth > 0) {
      job();
      return true;
    }
    const entry: Job = { label, run: job, key: opts.key ?? null };
    if (this.waiting.length > 0) {
      if (entry.key === null || !this.waiting.some((j) => j.key === entry.key)) this.waiting.push(entry);
      return false;
    }
    try {
      this.runOne(entry);
      return true;
    } catch (err) {
      if (!this.opts.isRetryable(err)) throw err;
      this.waiting.push(entry);
      this.opts.onBlocked?.(true, this.waiting.length);
      this.arm();
      return false;
    }
  }

  /** Runs fn once the outermost job running now has committed (at once outside any job). */
  afterCommit(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.committed.push(fn);
  }

  /**
   * Tries the waiting jobs now, in order, until one is still blocked. Returns true when none is left.
   * (The timer calls it; so does shutdown, a few times, before the database closes.)
   */
  flush(): boolean {
    this.cancel?.();
    this.cancel = null;
    while (this.waiting.length > 0) {
      const job = this.waiting[0]!;
      try {
        this.runOne(job);
      } catch (err) {
        if (this.opts.isRetryable(err)) {
          this.arm();
          return false;
        }
        this.opts.onError?.(err, job.label);
      }
      this.waiting.shift();
    }
    this.attempt = 0;
    this.opts.onBlocked?.(false, 0);
    return true;
  }

  /** Stops retrying (the jobs still waiting are dropped; see flush). */
  close(): void {
    this.cancel?.();
    this.cancel = null;
  }

  private runOne(job: Job): void {
    this.depth++;
    this.committed = [];
    let done: Array<() => void>;
    try {
      job.run();
      done = this.committed;
    } finally {
      this.depth--;
      this.committed = [];
    }
    for (const fn of done) fn();
  }

  private arm(): void {
    const delays = this.opts.retryMs ?? DEFAULT_RETRY_MS;
    const ms = delays[Math.min(this.attempt, delays.length - 1)]!;
    this.attempt++;
    this.cancel?.();
    this.cancel = (this.opts.schedule ?? defaultSchedule)(() => {
      this.cancel = null;
      this.flush();
    }, ms);
  }
}
