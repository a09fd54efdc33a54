/**
 * The LogReader over the files vigil-launch writes: tail, search and follow across `<name>.log` and its
 * rotated files, every line served through the redactor. Regular-expression searches run in a worker
 * thread that is stopped at the time bound, whatever the pattern does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { VigilError } from '../../core/errors.js';
import { SERVICE_NAME_RE } from '../../core/manifest/names.js';
import { passesLevel } from '../../core/logs/level.js';
import { compilePattern, lineMatches, type LineMatcher } from '../../core/logs/match.js';
import type { LogMatch, LogSearchQuery, LogSearchResult, LogTailQuery, LogTailResult } from '../../core/logs/model.js';
import type { LogReader } from '../../ports/log-reader.js';
import { followLog } from './follow.js';
import { searchLog, type SearchOutput } from './search.js';
import { tailLog, type LineRedactor } from './tail.js';

export interface FileLogReaderOptions {
  logsDir: string;
  /**
   * The redactor for lines of one service's log shown by one kind of reader ("log tail", "log search",
   * "log follow"): replaces secret values; identity when there is nothing to hide.
   */
  redactFor?: RedactFor;
  /** Whether a service is known (installed); a service without any log file must be known. */
  known?: (service: string) => boolean;
  pollMs?: number;
  /** Extra time a regex search worker gets past the query's time bound before it is terminated. */
  graceMs?: number;
}

export type RedactFor = (service: string, source: string) => LineRedactor;

const identity: LineRedactor = (l) => l;

export class FileLogReader implements LogReader {
  constructor(private readonly opts: FileLogReaderOptions) {}

  private redactor(service: string, source: string): LineRedactor {
    return this.opts.redactFor?.(service, source) ?? identity;
  }

  /** `$logs/<name>.log`; refuses anything that is not a service name (no path tricks). */
  file(service: string): string {
    if (!SERVICE_NAME_RE.test(service)) throw new VigilError('E_USAGE', `"${service}" is not a service name`);
    return path.join(this.opts.logsDir, `${service}.log`);
  }

  async tail(service: string, q: LogTailQuery): Promise<LogTailResult> {
    const out = await tailLog(this.file(service), q, { redact: this.redactor(service, 'log tail') });
    if (out.files.length === 0) this.requireKnown(service);
    return { service, lines: out.lines, files: out.files, timedOut: out.timedOut, scannedBytes: out.scannedBytes };
  }

  async search(service: string, q: LogSearchQuery): Promise<LogSearchResult> {
    const base = this.file(service);
    const matcher = compilePattern(q);
    const redact = this.redactor(service, 'log search');
    let out: SearchOutput;
    if (q.regex) {
      out = await searchInWorker(base, q, q.timeoutMs + (this.opts.graceMs ?? 2000));
      out = { ...out, matches: out.matches.flatMap((m) => reshown(redact, matcher, m.line, m.file)) };
    } else {
      out = await searchLog(base, q, { redact });
    }
    if (out.files.length === 0 && !out.timedOut) this.requireKnown(service);
    return { service, ...out };
  }

  async follow(
    service: string,
    q: LogTailQuery,
    onLines: (lines: string[]) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const base = this.file(service);
    const matcher = q.grep ? compilePattern(q.grep) : null;
    const redact = this.redactor(service, 'log follow');
    const first = await tailLog(base, q, { redact, completeOnly: true });
    if (first.files.length === 0) this.requireKnown(service);
    await onLines(first.lines); // even none: the caller knows the log is open
    await followLog(
      base,
      async (lines) => {
        const shown: string[] = [];
        for (const line of lines) {
          if (!passesLevel(line, q.level)) continue;
          const s = redact(line);
          if (matcher === null || lineMatches(matcher, s)) shown.push(s);
        }
        if (shown.length > 0) await onLines(shown);
      },
      { from: first.cursor, signal, pollMs: this.opts.pollMs },
    );
  }

  private requireKnown(service: string): void {
    if (this.opts.known && !this.opts.known(service)) {
      throw new VigilError('E_UNKNOWN_SERVICE', `unknown service "${service}": it has no log in ${this.opts.logsDir}`);
    }
  }
}

/** A worker's match, redacted; dropped when it matched only because of a secret value. */
function reshown(redact: LineRedactor, matcher: LineMatcher, line: string, file: string): LogMatch[] {
  const shown = redact(line);
  return shown === line || lineMatches(matcher, shown) ? [{ file, line: shown }] : [];
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./search-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

/** The compiled worker; when running from TypeScript sources (tests under tsx), tsx is loaded in it first. */
function startWorker(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(fileURLToPath(WORKER_URL), { workerData });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

type WorkerReply = { ok: true; result: SearchOutput } | { ok: false; code?: string; message: string };

function searchInWorker(base: string, q: LogSearchQuery, hardMs: number): Promise<SearchOutput> {
  const started = performance.now();
  const worker = startWorker({ base, query: q });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      const elapsedMs = Math.round(performance.now() - started);
      resolve({ matches: [], truncated: false, timedOut: true, scannedBytes: 0, elapsedMs, files: [] });
    }, hardMs);
    const finish = (): void => {
      clearTimeout(timer);
      void worker.terminate();
    };
    worker.once('message', (m: WorkerReply) => {
      finish();
      if (m.ok) resolve(m.result);
      else reject(new VigilError(m.code === 'E_USAGE' ? 'E_USAGE' : 'E_IO', m.message));
    });
    worker.once('error', (err) => {
      finish();
      reject(new VigilError('E_IO', `log search failed: ${err.message}`));
    });
  });
}
