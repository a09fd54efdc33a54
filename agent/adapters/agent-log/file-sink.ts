/**
 * The agent log's file sink: a synchronous append that never throws. pino's own sync destination throws
 * the write error (ENOSPC on a full disk) out of `logger.error()` into whoever logged, and after that
 * first failure it stops writing for good. Here a failed write drops that line and counts it; every later
 * line is tried again, so the log resumes by itself once space returns, and the first line that gets
 * through is preceded by one note: "dropped N log lines while the disk was full".
 *
 * A line cut short by the disk filling in the middle of it is counted as dropped too, and the note starts
 * with a newline so the torn piece does not swallow it. Writes stay synchronous for the reason given in
 * logger.ts (the last lines before a crash are on disk before the call returns).
 */
import fs from 'node:fs';

/** The few file-system calls the sink makes (injected in tests). */
export interface SinkFs {
  writeSync(fd: number, data: Uint8Array): number;
}

export interface FileSinkOptions {
  fd: number;
  /** The file's path, for the note when the failure was not a full disk. */
  file: string;
  /** Bound as `name` on the note (as pino binds it on every line). */
  name?: string;
  now?: () => number;
  fs?: SinkFs;
}

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
/** pino's numeric level for warn: the note is a warning in the same JSON shape as the other lines. */
const WARN_LEVEL = 40;

export interface SinkStats {
  /** Lines dropped since the last successful write (0 when nothing is pending). */
  dropping: number;
  /** Lines dropped since the sink was opened. */
  droppedTotal: number;
  /** The error code of the last failed write, if the sink is dropping now. */
  lastError: string | null;
}

export class FileSink {
  private dropped = 0;
  private droppedTotal = 0;
  private firstDropAt = 0;
  private lastError: string | null = null;
  private torn = false;
  private readonly now: () => number;
  private readonly fs: SinkFs;

  constructor(private readonly opts: FileSinkOptions) {
    this.now = opts.now ?? Date.now;
    this.fs = opts.fs ?? fs;
  }

  /** Appends `text` (whole lines); returns true. Never throws: a failure is counted and reported later. */
  write(text: string): boolean {
    if (text.length === 0) return true;
    if (this.dropped > 0 && !this.tryWrite(this.note())) {
      this.drop(text);
      return true;
    }
    if (this.dropped > 0) this.resumed();
    if (!this.tryWrite(text)) this.drop(text);
    return true;
  }

  stats(): SinkStats {
    return { dropping: this.dropped, droppedTotal: this.droppedTotal, lastError: this.lastError };
  }

  /** Writes are synchronous: nothing is ever buffered. */
  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }

  flushSync(): void {}

  end(): void {}

  private note(): string {
    const what =
      this.lastError !== null && FULL_CODES.has(this.lastError)
        ? `dropped ${this.dropped} log lines while the disk was full`
        : `dropped ${this.dropped} log lines: cannot write ${this.opts.file} (${this.lastError ?? 'unknown error'})`;
    const line = {
      level: WARN_LEVEL,
      time: this.now(),
      ...(this.opts.name === undefined ? {} : { name: this.opts.name }),
      dropped: this.dropped,
      since: new Date(this.firstDropAt).toISOString(),
      msg: what,
    };
    return `${this.torn ? '\n' : ''}${JSON.stringify(line)}\n`;
  }

  private resumed(): void {
    this.dropped = 0;
    this.torn = false;
    this.lastError = null;
  }

  /** Writes all of `text` or reports false; a partial write leaves `torn` set. */
  private tryWrite(text: string): boolean {
    let rest = Buffer.from(text, 'utf8');
    try {
      while (rest.length > 0) {
        const n = this.fs.writeSync(this.opts.fd, rest);
        if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
        if (n < rest.length) this.torn = true;
        rest = rest.subarray(n);
      }
      this.torn = false;
      return true;
    } catch (err) {
      this.lastError = (err as NodeJS.ErrnoException).code ?? 'EIO';
      return false;
    }
  }

  private drop(text: string): void {
    const lines = countLines(text);
    if (this.dropped === 0) this.firstDropAt = this.now();
    this.dropped += lines;
    this.droppedTotal += lines;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return Math.max(1, n);
}
