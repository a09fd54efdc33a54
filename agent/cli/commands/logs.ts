/**
 * `vigil logs NAME [-n N] [-f] [--grep S [-E] [-i]] [--level L] [--json]`: a service's log across the
 * current and rotated files. The last N lines (read from the end), or the last N lines containing S
 * (a bounded search), optionally only JSON lines at level L or above; -f then follows new lines.
 * Through the agent when it runs (lines redacted by its leak guard), else straight from the files.
 */
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { INSTALLED_NAME_RE } from '../../core/manifest/names.js';
import { parseLevel } from '../../core/logs/level.js';
import {
  DEFAULT_SEARCH_TIMEOUT_MS,
  DEFAULT_TAIL_LINES,
  MAX_SEARCH_LIMIT,
  MAX_TAIL_LINES,
  type LogPattern,
  type LogSearchQuery,
  type LogSearchResult,
  type LogTailQuery,
  type LogTailResult,
} from '../../core/logs/model.js';
import { vigilPaths } from '../../core/paths.js';
import type { LogReader } from '../../ports/log-reader.js';
import { ApiClient } from '../../api/client.js';
import { agentClient } from '../remote.js';
import { int, JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';

const USAGE = 'vigil logs NAME [-n N] [-f] [--grep TEXT [-E] [-i]] [--level LEVEL] [--json]';

export async function logsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      lines: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      grep: { type: 'string', short: 'g' },
      regex: { type: 'boolean', short: 'E' },
      'ignore-case': { type: 'boolean', short: 'i' },
      level: { type: 'string', short: 'l' },
      ...JSON_FLAG,
    },
    USAGE,
  );
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new VigilError('E_USAGE', `name exactly one service\nusage: ${USAGE}`);
  if (!INSTALLED_NAME_RE.test(name)) throw new VigilError('E_USAGE', `"${name}" is not a service name`);
  if (values.follow && values.json)
    throw new VigilError('E_USAGE', '--follow prints a stream of lines; it does not combine with --json');
  const grepText = str(values.grep);
  if ((values.regex || values['ignore-case']) && grepText === undefined) {
    throw new VigilError('E_USAGE', '-E and -i apply to --grep TEXT');
  }
  const rawLevel = str(values.level);
  const level = rawLevel === undefined ? null : parseLevel(rawLevel);
  if (level === null && rawLevel !== undefined) {
    throw new VigilError(
      'E_USAGE',
      `--level must be trace, debug, info, warn, error or fatal (or a pino number), not "${rawLevel}"`,
    );
  }
  const grep: LogPattern | null =
    grepText === undefined
      ? null
      : { pattern: grepText, regex: values.regex === true, ignoreCase: values['ignore-case'] === true };
  const n = int(values.lines, '-n', 0) ?? DEFAULT_TAIL_LINES;
  if (n > (grep ? MAX_SEARCH_LIMIT : MAX_TAIL_LINES))
    throw new VigilError('E_USAGE', `-n must be at most ${grep ? MAX_SEARCH_LIMIT : MAX_TAIL_LINES}`);
  const tailQuery: LogTailQuery = { lines: n, level, grep, timeoutMs: DEFAULT_SEARCH_TIMEOUT_MS };

  const client = await agentClient(io);
  const source: LogSource = client ? viaAgent(client, io) : await direct(io);

  if (values.follow) {
    const ctl = new AbortController();
    const stop = (): void => ctl.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await source.follow(
        name,
        tailQuery,
        (lines) => {
          if (lines.length > 0) io.out(`${lines.join('\n')}\n`);
        },
        ctl.signal,
      );
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return EXIT_OK;
  }

  if (grep !== null && n > 0) {
    const q: LogSearchQuery = { ...grep, limit: n, level, timeoutMs: DEFAULT_SEARCH_TIMEOUT_MS };
    const r = await source.search(name, q);
    if (values.json) printJson(io, r);
    else {
      if (r.matches.length > 0) io.out(`${r.matches.map((m) => m.line).join('\n')}\n`);
      noteLimits(io, r, n);
    }
    return EXIT_OK;
  }
  const r = await source.tail(name, tailQuery);
  if (values.json) printJson(io, r);
  else {
    if (r.lines.length > 0) io.out(`${r.lines.join('\n')}\n`);
    if (r.timedOut)
      io.err(
        `vigil: stopped looking after ${DEFAULT_SEARCH_TIMEOUT_MS / 1000} s; older lines were not searched\n`,
      );
  }
  return EXIT_OK;
}

function noteLimits(io: Io, r: LogSearchResult, n: number): void {
  if (r.timedOut)
    io.err(
      `vigil: stopped searching after ${DEFAULT_SEARCH_TIMEOUT_MS / 1000} s; older lines were not searched\n`,
    );
  else if (r.truncated) io.err(`vigil: showing the last ${n} matches; use -n for more\n`);
}

type LogSource = Pick<LogReader, 'tail' | 'search' | 'follow'>;

function viaAgent(client: ApiClient, io: Io): LogSource {
  return {
    tail: (name, q): Promise<LogTailResult> => client.call('logTail', { name }, q),
    // The search may take its whole time bound: give the request longer than that.
    search: (name, q): Promise<LogSearchResult> =>
      new ApiClient({ socketPath: vigilPaths(io.env).socket, timeoutMs: q.timeoutMs + 5000 }).call(
        'logSearch',
        { name },
        q,
      ),
    follow: (name, q, onLines, signal) => client.streamLogs(name, q, onLines, signal),
  };
}

/** No agent: the same use case in this process, with the store's values redacted. */
async function direct(io: Io): Promise<LogSource> {
  const [{ fileServiceLogs }, { directLogRedaction }, { createContext }] = await Promise.all([
    import('../../daemon/log-reader.js'),
    import('../../daemon/log-redaction.js'),
    import('../../daemon/compose.js'),
  ]);
  const ctx = await createContext(io.env);
  return fileServiceLogs(ctx.paths.logs, directLogRedaction(ctx), {
    store: () => ctx.existingStore(),
    release: () => ctx.close(),
  });
}
