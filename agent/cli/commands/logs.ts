/** `vigil logs NAME [-n N] [-f]`: the end of a service's log by seeking from the end; follow like tail -F. */
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { SERVICE_NAME_RE } from '../../core/manifest/schema.js';
import { serviceLogPath, vigilPaths } from '../../core/paths.js';
import { tailLines } from '../../adapters/fs/log-tail.js';
import { followFile } from '../../adapters/fs/log-follow.js';
import { int, JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';

export async function logsCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil logs NAME [-n N] [-f] [--json]';
  const { values, positionals } = parse(argv, { lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' }, ...JSON_FLAG }, usage);
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new VigilError('E_USAGE', `name exactly one service\nusage: ${usage}`);
  if (!SERVICE_NAME_RE.test(name)) throw new VigilError('E_USAGE', `"${name}" is not a service name`);
  if (values.follow && values.json) throw new VigilError('E_USAGE', '--follow does not combine with --json');
  const file = serviceLogPath(vigilPaths(io.env), name);
  const n = int(values.lines, '-n', 0) ?? 50;
  const lines = await tailLines(file, n);
  if (values.json) {
    printJson(io, { service: name, file, lines });
    return EXIT_OK;
  }
  if (lines.length > 0) io.out(`${lines.join('\n')}\n`);
  if (values.follow) {
    const ctl = new AbortController();
    const stop = () => ctl.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await followFile(file, (ls) => io.out(`${ls.join('\n')}\n`), { signal: ctl.signal });
  }
  return EXIT_OK;
}
