/**
 * The agent's API server (node:http, no framework) and the one way a request goes through it:
 * listener → guard → route (contract.ts) → body → the route's handler → JSON (or a stream) or an error body.
 * Always on a unix socket (mode 0600, no token: everything is allowed), and optionally on loopback HTTP
 * (Host/Origin checks, then the bearer token or a signed browser session).
 *
 * The server's side of the contract is here too: for each route a handler typed from it (RouteHandlers).
 * A feature exports its slice (`Pick<RouteHandlers, …its routes>`) from one file
 * (agent/daemon/<feature>-routes.ts); the agent spreads the slices into one table and hands it to this
 * server (agent/daemon/agent-routes.ts), and the compiler checks that every route has its handler.
 * Handlers throw VigilError to answer with an error body.
 *
 * Request bodies are validated before the handler runs, by one validator per route that takes a body
 * (agent/api/routes/<feature>-bodies.ts, beside the route). Each loads on the first request that needs
 * it, not with the agent: the schemas are zod, ~15 MB of resident memory in an agent nobody writes to.
 * The compiler asks for a validator for every route whose contract has a body.
 */
import { createHash } from 'node:crypto';
import { chmodSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from 'pino';
import { VigilError, isStoreBusy, isVigilError } from '../core/errors.js';
import type { VigilEvent } from '../core/events.js';
import type { LogTailQuery } from '../core/logs/model.js';
import type { EventQuery } from '../ports/store.js';
import {
  DEFAULT_HEARTBEAT_MS,
  decodeQuery,
  ROUTES,
  errorBody,
  httpStatusFor,
  matchRoute,
  wantsEventStream,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteQuery,
  type RouteResponse,
  type RouteSpec,
} from './contract.js';
import { SIGNED_HEADERS, type Principal, type SessionRouteTypes } from './routes/session.js';
import { assertLoopbackHost, hostGuard, tokenMatches } from './guard.js';
import { SessionAuthority, SESSION_TTL_MS, type Session, type SessionPersistence } from './session.js';
import { sessionEndpoints } from './session-routes.js';
import { SECURITY_HEADERS, createUiServer, type UiServer } from './ui-static.js';
import { StreamRegistry, openEventStream } from './event-stream.js';
import { openLogStream } from './log-stream.js';
import { HttpError, sendJson, sendJsonList, sendText } from './responses.js';
import { decodeJsonBody } from './routes/body-parse.js';
import { describeThrown, internalMessage, newRequestId } from './internal-error.js';
import { alreadyRunning, clearStaleSocket, closeServer, listen, portInUse } from './listen.js';

// ---------------------------------------------------------------------------------------------------
// The route table: handler types, body validators

export interface RouteRequest<K extends RouteName> {
  params: RouteParams<K>;
  query: RouteQuery<K>;
  /** Already validated by the route's body parser (BODY_PARSERS below); undefined for routes without one. */
  body: RouteBody<K>;
  /** Who is asking (socket, bearer token or browser session). */
  access: Access;
  res: ServerResponse;
}

export type RouteHandler<K extends RouteName> = (
  req: RouteRequest<K>,
) => RouteResponse<K> | Promise<RouteResponse<K>>;

export type RouteHandlers = { [K in RouteName]: RouteHandler<K> };

/** The routes the server answers itself (sign-in state of the HTTP listener): agent/api/session-routes.ts. */
export type SessionRouteName = keyof SessionRouteTypes;
export type AgentRouteName = Exclude<RouteName, SessionRouteName>;

/** The live halves of the two streaming routes (GET /api/events and GET /api/logs/:name/follow). */
export interface StreamSources {
  /** The history replayed to an event stream (with afterId or since) before it goes live. */
  eventHistory(q: EventQuery): VigilEvent[];
  /** Every newly recorded event, in id order; returns the unsubscribe function. */
  subscribe(listener: (e: VigilEvent) => void): () => void;
  /**
   * GET /api/events a page at a time (the server writes each page as the socket takes it); without it
   * the route's handler answers whole.
   */
  eventPages?(q: EventQuery): Iterable<VigilEvent[]>;
  /**
   * Calls onLines first with the last lines (possibly none; an unknown service throws before that),
   * then with new lines, until the signal aborts.
   */
  followLog(
    service: string,
    q: LogTailQuery,
    onLines: (lines: string[]) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;
}

/** Everything the agent implements for its API. */
export type AgentApi = Pick<RouteHandlers, AgentRouteName> & StreamSources;

/**
 * What the server is given. A route (or stream) without its handler answers E_UNAVAILABLE: the agent
 * always passes the whole table; tests pass only what they exercise.
 */
export type ApiHandlers = Partial<AgentApi>;

type BodyRouteName = {
  [K in RouteName]: undefined extends RouteBody<K> ? (RouteBody<K> extends undefined ? never : K) : K;
}[RouteName];

type Parser<K extends RouteName> = (raw: unknown) => RouteBody<K>;

export const BODY_PARSERS: { readonly [K in BodyRouteName]: () => Promise<Parser<K>> } = {
  credentialSet: async () => (await import('./routes/credentials-bodies.js')).parseSetBody,
  credentialRemove: async () => (await import('./routes/credentials-bodies.js')).parseRemoveBody,
  credentialRotate: async () => (await import('./routes/credentials-bodies.js')).parseRotateBody,
  budgetResume: async () => (await import('./routes/usage-bodies.js')).parseResumeBody,
};

/** The validated body of a request (undefined for a route that takes none: whatever was sent is ignored). */
export async function parseRouteBody<K extends RouteName>(route: K, raw: unknown): Promise<RouteBody<K>> {
  const load = (BODY_PARSERS as Partial<Record<RouteName, () => Promise<(raw: unknown) => unknown>>>)[route];
  if (load === undefined) return undefined as RouteBody<K>;
  return (await load())(raw) as RouteBody<K>;
}

// ---------------------------------------------------------------------------------------------------
// Who is asking: the guard of each listener

function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m === null ? null : m[1]!;
}

export type RequestGuard = (req: IncomingMessage) => VigilError | Access;

/** Who a request is from: the unix socket, the bearer token, or a browser session (cookie + key). */
export interface Access {
  principal: Principal;
  /** The browser session, for signed browser requests. */
  session?: Session;
  /** Signed browser requests: the SHA-256 (hex) the body must have (checked when it is read). */
  bodySha256?: string;
}

/** Unix socket: everything is allowed (the file mode 0600 restricts who can connect). */
export const socketGuard: RequestGuard = () => ({ principal: 'socket' });

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** A browser session may act only from this agent's own pages (belt and braces over SameSite=Strict). */
function crossSite(req: IncomingMessage): VigilError | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return new VigilError('E_FORBIDDEN_HOST', `forbidden: a ${site} request may not use the browser session`);
  }
  if (!SAFE_METHODS.has(req.method ?? 'GET') && req.headers.origin === undefined) {
    return new VigilError(
      'E_FORBIDDEN_HOST',
      'forbidden: a browser session must send an Origin header to change anything',
    );
  }
  return null;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
};

/**
 * HTTP on loopback: Host, Origin, then the bearer token — or, when `sessions` is given, a signed
 * browser request (SIGNED_HEADERS; agent/api/session.ts). `port` is read per request (known after listen).
 */
export function httpGuard(token: string, port: () => number, sessions?: SessionAuthority): RequestGuard {
  const hostOk = hostGuard(port);
  return (req) => {
    const denied = hostOk(req);
    if (denied !== null) return denied;
    const presented = bearer(req.headers.authorization);
    if (presented !== null) {
      return tokenMatches(presented, token)
        ? { principal: 'bearer' }
        : new VigilError('E_UNAUTHORIZED', 'invalid token');
    }
    const ticket = header(req, SIGNED_HEADERS.session);
    if (sessions === undefined || ticket === undefined) {
      return new VigilError(
        'E_UNAUTHORIZED',
        'missing credentials: send "Authorization: Bearer <token>" (browsers: sign in with "vigil open")',
      );
    }
    const bodySha256 = header(req, SIGNED_HEADERS.body);
    const checked = sessions.verify({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      ticket,
      time: header(req, SIGNED_HEADERS.time),
      nonce: header(req, SIGNED_HEADERS.nonce),
      bodySha256,
      signature: header(req, SIGNED_HEADERS.signature),
    });
    if (!checked.ok) return new VigilError('E_UNAUTHORIZED', checked.reason);
    return crossSite(req) ?? { principal: 'cookie', session: checked.session, bodySha256: bodySha256! };
  };
}

// ---------------------------------------------------------------------------------------------------
// The listeners

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

// ---------------------------------------------------------------------------------------------------
// One request, start to finish: guard, route, query, body, handler, JSON or event stream, error body

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface DispatchOptions {
  handlers: ApiHandlers;
  guard: RequestGuard;
  transport: 'socket' | 'http';
  registry: StreamRegistry;
  heartbeatMs: number;
  maxBodyBytes: number;
  logger: Logger | undefined;
  /** The server's own routes (GET /api/session, login codes, sign-out). */
  sessions: Pick<RouteHandlers, SessionRouteName>;
  /** The web UI and /login (HTTP only): served before the guard, with its own Host check. */
  ui?: UiServer;
  /** Headers every response carries (HTTP: CSP and friends). */
  headers?: Readonly<Record<string, string>>;
}

/** Reads a POST body: JSON only, at most `limit` bytes. Returns undefined when there is none. */
async function readJsonBody(req: IncomingMessage, limit: number, sha256?: string): Promise<unknown> {
  const tooLarge = (): HttpError =>
    new HttpError(413, 'E_USAGE', `request body larger than ${limit} bytes`, { Connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  // Read by hand: destroying the request (as a broken for-await would) would also kill the 413 response.
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve());
    req.on('error', reject);
  });
  const bytes = Buffer.concat(chunks);
  // A signed browser request signed its body's digest: a body swapped in transit is refused.
  if (sha256 !== undefined && createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new HttpError(401, 'E_UNAUTHORIZED', 'the body does not match its signed digest');
  }
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'E_USAGE', 'request body must be JSON (Content-Type: application/json)');
  }
  return decodeJsonBody(bytes);
}

function splitUrl(url: string): { pathname: string; search: string } {
  const q = url.indexOf('?');
  return q === -1 ? { pathname: url, search: '' } : { pathname: url.slice(0, q), search: url.slice(q + 1) };
}

/** A feature this agent does not have (its module is off or absent): the same answer for every route. */
function unavailable(what: string): VigilError {
  return new VigilError('E_UNAVAILABLE', `${what} is not available in this agent`);
}

export function createRequestListener(opts: DispatchOptions): RequestListener {
  const { handlers, guard, registry, logger, transport } = opts;
  // Looked up per request, not copied: a test may swap in real handlers after the server started.
  const handlerOf = (route: RouteName): ((r: RouteRequest<RouteName>) => unknown) | undefined =>
    ((opts.sessions as Partial<RouteHandlers>)[route] ?? (handlers as Partial<RouteHandlers>)[route]) as
      ((r: RouteRequest<RouteName>) => unknown) | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname, search } = splitUrl(req.url ?? '/');
    const method = req.method ?? 'GET';
    if (opts.ui?.handles(method, pathname)) {
      await opts.ui.serve(req, res, pathname, search);
      return;
    }
    const access = guard(req);
    if (access instanceof VigilError) {
      throw access.code === 'E_UNAUTHORIZED'
        ? new HttpError(401, access.code, access.message, { 'WWW-Authenticate': 'Bearer' })
        : access;
    }
    const match = matchRoute(method, pathname);
    if (match.kind === 'not-found')
      throw new VigilError('E_NOT_FOUND', `no such endpoint: ${method} ${pathname}`);
    if (match.kind === 'method-not-allowed') {
      throw new HttpError(405, 'E_USAGE', `method ${method} not allowed on ${pathname}`, {
        Allow: match.allow.join(', '),
      });
    }
    const route = match.route;
    const spec: RouteSpec = ROUTES[route];
    const query = decodeQuery(route, new URLSearchParams(search));
    const raw =
      spec.method === 'GET' ? undefined : await readJsonBody(req, opts.maxBodyBytes, access.bodySha256);
    if (spec.stream === true && route === 'events' && wantsEventStream(req.headers.accept)) {
      if (handlers.eventHistory === undefined || handlers.subscribe === undefined)
        throw unavailable(`${method} ${pathname} (event stream)`);
      openEventStream(req, res, {
        handlers: handlers as Pick<StreamSources, 'eventHistory' | 'subscribe'>,
        query: query as RouteQuery<'events'>,
        heartbeatMs: opts.heartbeatMs,
        registry,
      });
      return;
    }
    if (route === 'logFollow' && wantsEventStream(req.headers.accept)) {
      if (handlers.followLog === undefined) throw unavailable(`${method} ${pathname} (log stream)`);
      const name = (match.params as { name: string }).name;
      const q = query as RouteQuery<'logFollow'>;
      await openLogStream(req, res, {
        handlers: handlers as Pick<StreamSources, 'followLog'>,
        service: name,
        query: q,
        heartbeatMs: opts.heartbeatMs,
        registry,
      });
      return;
    }
    if (route === 'events' && handlers.eventPages !== undefined) {
      // Up to 10,000 events with their log tails: read and written a page at a time, never whole.
      await sendJsonList(res, 'events', handlers.eventPages(query as RouteQuery<'events'>));
      return;
    }
    const run = handlerOf(route);
    if (run === undefined) throw unavailable(`${method} ${pathname}`);
    const body = await parseRouteBody(route, raw);
    const out = await run.call(handlers, {
      params: match.params,
      query,
      body,
      access,
      res,
    } as RouteRequest<RouteName>);
    if (spec.contentType !== undefined) sendText(res, spec.contentType, String(out));
    else sendJson(res, 200, out);
  }

  return (req, res) => {
    const started = performance.now();
    for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v);
    const path = splitUrl(req.url ?? '/').pathname;
    res.on('finish', () => {
      logger?.debug(
        {
          transport,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'api request',
      );
    });
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        sendJson(res, err.status, errorBody(err.code, err.message), err.headers);
        return;
      }
      if (isVigilError(err)) {
        sendJson(res, httpStatusFor(err.code), errorBody(err.code, err.message));
        return;
      }
      if (isStoreBusy(err)) {
        sendJson(
          res,
          httpStatusFor('E_STORE_BUSY'),
          errorBody('E_STORE_BUSY', 'the database is locked by another process; try again in a moment'),
        );
        return;
      }
      const requestId = newRequestId();
      const thrown = describeThrown(err);
      logger?.error(
        {
          transport,
          method: req.method,
          path,
          requestId,
          thrown: thrown.kind,
          err: thrown.message,
          stack: err instanceof Error ? err.stack : undefined,
        },
        'api handler failed',
      );
      sendJson(res, httpStatusFor('E_INTERNAL'), errorBody('E_INTERNAL', internalMessage(requestId)));
    });
  };
}
