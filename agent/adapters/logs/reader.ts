/**
 * The LogReader over the files vigil-launch writes: tail, search and follow across `<name>.log` and its
 * rotated files, every line served through the redactor. No user-supplied regular expression runs on this
 * thread: searches run whole in a worker thread stopped at the time bound; tail and follow hand their
 * lines to the bounded regex worker (regex-runner.ts), which answers E_REGEX_TIMEOUT for a batch that
 * runs too long.
 */
import path from 'node:path';
import { VigilError } from '../../core/errors.js';
import { INSTALLED_NAME_RE } from '../../core/manifest/names.js';
import { passesLevel } from '../../core/logs/level.js';
import { compilePattern, lineMatches, type LineMatcher } from '../../core/logs/match.js';
import type {
  LogMatch,
  LogSearchQuery,
  LogSearchResult,
  LogTailQuery,
  LogTailResult,
} from '../../core/logs/model.js';
import type { LogReader } from '../../ports/log-reader.js';
import { followLog } from './follow.js';
import { searchLog, type SearchOutput } from './search.js';
import { tailLog, type LineRedactor } from './tail.js';
import { sharedRegexRunner, type RegexRunner } from './regex-runner.js';
import { startWorker } from './worker-boot.js';

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
  /** Where tail and follow run regular expressions (default: the shared bounded worker). */
  regex?: RegexRunner;
}

export type RedactFor = (service: string, source: string) => LineRedactor;

const identity: LineRedactor = (l) => l;

export class FileLogReader implements LogReader {
  constructor(private readonly opts: FileLogReaderOptions) {}

  private get regex(): RegexRunner {
    return this.opts.regex ?? sharedRegexRunner();
  }

  private redactor(service: string, source: string): LineRedactor {
    return this.opts.redactFor?.(service, source) ?? identity;
  }

  /** `$logs/<name>.log`; refuses anything that is not a service name (no path tricks). */
  file(service: string): string {
    if (!INSTALLED_NAME_RE.test(service))
      throw new VigilError('E_USAGE', `"${service}" is not a service name`);
    return path.join(this.opts.logsDir, `${service}.log`);
  }

  async tail(service: string, q: LogTailQuery): Promise<LogTailResult> {
    const out = await tailLog(this.file(service), q, {
      redact: this.redactor(service, 'log tail'),
      regex: this.regex,
    });
    if (out.files.length === 0) this.requireKnown(service);
    return {
      service,
      lines: out.lines,
      files: out.files,
      timedOut: out.timedOut,
      scannedBytes: out.scannedBytes,
    };
  }

  async search(service: string, q: LogSearchQuery): Promise<LogSearchResult> {
    const base = this.file(service);
    const matcher = compilePattern(q);
    const redact = this.redactor(service, 'log search');
    let out: SearchOutput;
    if (q.regex) {
      out = await searchInWorker(base, q, q.timeoutMs + (this.opts.graceMs ?? 2000));
      out = { ...out, matches: await this.reshown(redact, matcher, out.matches) };
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
    const first = await tailLog(base, q, { redact, completeOnly: true, regex: this.regex });
    if (first.files.length === 0) this.requireKnown(service);
    await onLines(first.lines); // even none: the caller knows the log is open
    await followLog(
      base,
      async (lines) => {
        const passed = lines.filter((line) => passesLevel(line, q.level)).map(redact);
        let shown = passed;
        if (matcher?.kind === 'regex') {
          const hits = await this.regex.match(matcher.source, matcher.flags, passed);
          shown = passed.filter((_, i) => hits[i]);
        } else if (matcher !== null) {
          shown = passed.filter((s) => lineMatches(matcher, s));
        }
        if (shown.length > 0) await onLines(shown);
      },
      { from: first.cursor, signal, pollMs: this.opts.pollMs },
    );
  }

  /**
   * A worker's matches, redacted; one is dropped when it matched only because of a secret value (the
   * changed lines are matched again, in the bounded worker too).
   */
  private async reshown(
    redact: LineRedactor,
    matcher: LineMatcher,
    matches: readonly LogMatch[],
  ): Promise<LogMatch[]> {
    const shown = matches.map((m) => ({ file: m.file, line: redact(m.line), changed: false }));
    shown.forEach((s, i) => (s.changed = s.line !== matches[i]!.line));
    const changed = shown.filter((s) => s.changed);
    if (changed.length === 0) return shown.map(({ file, line }) => ({ file, line }));
    const hits =
      matcher.kind === 'regex'
        ? await this.regex.match(
            matcher.source,
            matcher.flags,
            changed.map((s) => s.line),
          )
        : changed.map((s) => lineMatches(matcher, s.line));
    const dropped = new Set(changed.filter((_, i) => !hits[i]));
    return shown.filter((s) => !dropped.has(s)).map(({ file, line }) => ({ file, line }));
  }

  private requireKnown(service: string): void {
    if (this.opts.known && !this.opts.known(service)) {
      throw new VigilError(
        'E_UNKNOWN_SERVICE',
        `unknown service "${service}": it has no log in ${this.opts.logsDir}`,
      );
    }
  }
}

type WorkerReply = { ok: true; result: SearchOutput } | { ok: false; code?: string; message: string };

function searchInWorker(base: string, q: LogSearchQuery, hardMs: number): Promise<SearchOutput> {
  const started = performance.now();
  const worker = startWorker('search-worker', { base, query: q });
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
