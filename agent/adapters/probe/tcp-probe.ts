/**
 * A TCP health probe: it passes when a connection to host:port is accepted within the timeout. Nothing is
 * sent; the socket is closed at once (Redis, Postgres and the like log nothing worse than a closed client).
 */
import net from 'node:net';
import { passOrFail, type ProbeResult } from '../../core/health/probe.js';

export function probeTcp(
  host: string,
  port: number,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<ProbeResult> {
  const started = performance.now();
  const at = now();
  const result = (error: string | null) => passOrFail(error, Math.round(performance.now() - started), at);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result(error));
    };
    const timer = setTimeout(
      () => finish(`no connection to ${host}:${port} within ${timeoutMs} ms`),
      timeoutMs,
    );
    socket.once('connect', () => finish(null));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(connectError(err, host, port)));
  });
}

function connectError(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === 'ECONNREFUSED') return `connection refused (${host}:${port})`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `host "${host}" not found`;
  return `${err.code ?? 'error'}: ${err.message}`;
}
