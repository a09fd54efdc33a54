/**
 * `vigil status --json` with an agent running, on as little code as Node allows: the socket exchange
 * (node:net) and the paths, nothing else — no command table, argument parser, contract or error classes,
 * which cost the whole command about 30 ms at every start (test/bench/RESULTS-footprint.md). bin/vigil.js
 * runs it before loading the CLI proper.
 *
 * It answers only when the agent answers 2xx with a JSON document, and prints exactly what the full
 * command prints for it (the same document, indented the same). Anything else — other arguments, no
 * socket, an error status, an unreachable agent — goes to the full command, which says what happened:
 * 'cli' runs it as usual; 'direct' runs it without the agent, as the full command would itself do once
 * the agent did not answer (so a silent agent is not waited for twice).
 */
import { existsSync } from 'node:fs';
import { MalformedResponse, socketExchange } from '../api/socket-exchange.js';
import { vigilPaths } from '../core/paths.js';

/** The same bound as the API client's (DEFAULT_CLIENT_TIMEOUT_MS in api/client.ts). */
export const FAST_STATUS_TIMEOUT_MS = 10_000;

/** Errors of a connection that say no agent is there (the API client's UNREACHABLE_CODES). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ENOTSOCK']);

export type FastStatus = { out: string } | 'cli' | 'direct';

/** True for the one command line the fast path answers. */
export function isFastStatus(argv: readonly string[]): boolean {
  return argv.length === 2 && argv[0] === 'status' && argv[1] === '--json';
}

export function fastStatus(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number = FAST_STATUS_TIMEOUT_MS,
): Promise<FastStatus> {
  if (!isFastStatus(argv) || env.VIGIL_NO_AGENT === '1') return Promise.resolve('cli');
  const { socket } = vigilPaths(env);
  if (!existsSync(socket)) return Promise.resolve('cli');
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      call.cancel();
      resolve('direct');
    }, timeoutMs);
    const call = socketExchange(
      {
        socketPath: socket,
        method: 'GET',
        path: '/api/status',
        headers: { accept: 'application/json' },
        body: null,
      },
      (err) => {
        clearTimeout(timer);
        const code = (err as NodeJS.ErrnoException).code;
        // A refused or broken connection, or not an HTTP answer: the full command would find no agent
        // there either; anything else is its to report.
        const gone = err instanceof MalformedResponse || (code !== undefined && UNREACHABLE.has(code));
        resolve(gone ? 'direct' : 'cli');
      },
      (res) => {
        clearTimeout(timer);
        resolve(res.status >= 200 && res.status < 300 ? printed(res.text) : 'cli');
      },
    );
  });
}

/** The document as `printJson` prints it; a body that is not JSON is the full command's to report. */
function printed(text: string): FastStatus {
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch {
    return 'cli';
  }
  return { out: `${JSON.stringify(doc, null, 2)}\n` };
}
