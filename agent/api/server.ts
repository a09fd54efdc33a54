/**
 * The agent's API server (node:http, no framework): always on a unix socket (mode 0600, no token), and
 * optionally on loopback HTTP (bearer token, Host/Origin checks). Routes come from contract.ts.
 */
import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { VigilError } from '../core/errors.js';
import { DEFAULT_HEARTBEAT_MS } from './contract.js';
import type { ApiHandlers } from './route-table.js';
import { assertLoopbackHost, hostGuard, httpGuard, socketGuard } from './guard.js';
import { SessionAuthority, SESSION_TTL_MS, type SessionPersistence } from './session.js';
import { sessionEndpoints } from './session-routes.js';
import { SECURITY_HEADERS, createUiServer } from './ui-static.js';
import { StreamRegistry } from './event-stream.js';
import { alreadyRunning, clearStaleSocket, closeServer, listen, portInUse } from './listen.js';
import { DEFAULT_MAX_BODY_BYTES, createRequestListener } from './dispatch.js';

export interface ApiServerOptions {
  handlers: ApiHandlers;
  socketPath: string;
  /** Also serve HTTP on this loopback address; port 0 picks a free one (see httpAddress()). */
  http?: { host: string; port: number };
  /** The bearer token HTTP clients must send. */
  token: string;
  /** Interval of the SSE heartbeat comments (default 15 s). */
  heartbeatMs?: number;
  /** Largest accepted POST body (default 64 KB). */
  maxBodyBytes?: number;
  /** The built web UI (renderer/dist) served on the HTTP listener; null or absent: none. */
  uiDir?: string | null;
  /** Where browser sessions are listed across restarts (the agent's database); default: memory. */
  sessionStore?: SessionPersistence;
  /** Clock of browser sessions and login codes (tests). */
  now?: () => number;
  logger?: Logger;
}

export interface ApiServer {
  readonly socketPath: string;
  /** The HTTP listener's real address, or null when HTTP is off. */
  httpAddress(): { host: string; port: number } | null;
  /** Ends open event streams, stops listening, removes the socket file. Idempotent. */
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const bindHost = opts.http === undefined ? null : assertLoopbackHost(opts.http.host);
  if (opts.http !== undefined && opts.token.length < 16) {
    throw new VigilError('E_USAGE', 'the agent API token is missing or too short to serve HTTP');
  }
  const registry = new StreamRegistry();
  let httpPort = 0;
  const sessions =
    opts.http === undefined
      ? null
      : new SessionAuthority(opts.token, opts.now, SESSION_TTL_MS, opts.sessionStore);
  const endpoints = sessionEndpoints(
    sessions === null || bindHost === null
      ? null
      : { sessions, address: () => ({ host: bindHost, port: httpPort }) },
  );
  const common = {
    sessions: endpoints,
    handlers: opts.handlers,
    registry,
    heartbeatMs: opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    logger: opts.logger,
  };

  await clearStaleSocket(opts.socketPath);
  // Over the socket the Host header means nothing, so it is not even required.
  const socketServer = createServer(
    { requireHostHeader: false },
    createRequestListener({ ...common, guard: socketGuard, transport: 'socket' }),
  );
  try {
    await listen(socketServer, [opts.socketPath]);
    chmodSync(opts.socketPath, 0o600);
  } catch (err) {
    await closeServer(socketServer);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw alreadyRunning(opts.socketPath);
    if (err instanceof VigilError) throw err;
    throw new VigilError('E_IO', `cannot listen on ${opts.socketPath}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  let httpServer: Server | null = null;
  if (opts.http !== undefined && bindHost !== null && sessions !== null) {
    const port = (): number => httpPort;
    const ui = createUiServer({ dir: opts.uiDir ?? null, sessions, port, hostCheck: hostGuard(port) });
    const server = createServer(
      createRequestListener({
        ...common,
        guard: httpGuard(opts.token, port, sessions),
        transport: 'http',
        ui,
        headers: SECURITY_HEADERS,
      }),
    );
    try {
      await listen(server, [opts.http.port, bindHost]);
    } catch (err) {
      await closeServer(socketServer);
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(bindHost, opts.http.port);
      throw new VigilError(
        'E_IO',
        `cannot listen on ${bindHost}:${opts.http.port}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const addr = server.address();
    httpPort = typeof addr === 'object' && addr !== null ? addr.port : opts.http.port;
    httpServer = server;
  }
  opts.logger?.info(
    { socket: opts.socketPath, http: httpServer === null ? null : `${bindHost}:${httpPort}` },
    'agent API listening',
  );

  let closing: Promise<void> | null = null;
  return {
    socketPath: opts.socketPath,
    httpAddress: () => (httpServer === null || bindHost === null ? null : { host: bindHost, port: httpPort }),
    close() {
      closing ??= (async () => {
        registry.endAll();
        await Promise.all([
          closeServer(socketServer),
          httpServer === null ? undefined : closeServer(httpServer),
        ]);
      })();
      return closing;
    },
  };
}
