/**
 * GET /api/logs/:name/follow: the last lines, then new ones as they are written, as server-sent events.
 * The response starts only once the log is open (an unknown service still gets a JSON error body). A
 * client that reads slowly slows the reader down (no unbounded queue); one that stops reading for good is
 * dropped when the socket closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogTailQuery } from '../core/logs/model.js';
import type { StreamSources } from './server.js';
import type { StreamRegistry } from './event-stream.js';
import { SSE_HEARTBEAT, SSE_RESPONSE_HEADERS } from './sse-wire.js';
import { isVigilError } from '../core/errors.js';
import { formatLogError, formatLogMessage } from './routes/logs.js';

export interface LogStreamOptions {
  handlers: Pick<StreamSources, 'followLog'>;
  service: string;
  query: LogTailQuery;
  heartbeatMs: number;
  registry: StreamRegistry;
}

/** Resolves when the stream ends; rejects (before any byte is written) when the log cannot be followed. */
export async function openLogStream(
  _req: IncomingMessage,
  res: ServerResponse,
  opts: LogStreamOptions,
): Promise<void> {
  const ctl = new AbortController();
  let started = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let unregister: () => void = () => undefined;
  const end = (): void => {
    ctl.abort();
    if (started && !res.writableEnded) res.end();
  };
  res.on('close', () => ctl.abort());

  const start = (): void => {
    started = true;
    res.writeHead(200, SSE_RESPONSE_HEADERS);
    res.flushHeaders();
    heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(SSE_HEARTBEAT);
    }, opts.heartbeatMs);
    unregister = opts.registry.add(end);
  };

  const send = async (lines: string[]): Promise<void> => {
    if (!started) start();
    if (lines.length === 0 || ctl.signal.aborted) return;
    if (res.write(formatLogMessage(lines))) return;
    // Wait until the client has taken it (or is gone) before reading more of the log.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        ctl.signal.removeEventListener('abort', done);
        resolve();
      };
      res.on('drain', done);
      ctl.signal.addEventListener('abort', done, { once: true });
    });
  };

  try {
    await opts.handlers.followLog(opts.service, opts.query, send, ctl.signal);
  } catch (err) {
    if (!started) throw err;
    // Started: the status line is sent, so the error goes in the stream, and the stream ends.
    if (isVigilError(err) && !res.writableEnded)
      res.write(formatLogError({ code: err.code, message: err.message }));
  } finally {
    clearInterval(heartbeat);
    unregister();
    if (started && !res.writableEnded) res.end();
  }
}
