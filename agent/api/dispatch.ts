/** One request, start to finish: guard, route, query, body, handler, JSON or event stream, error body. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { VigilError, isStoreBusy, isVigilError, type ErrorCode } from '../core/errors.js';
import type { RequestGuard } from './guard.js';
import {
  parseRouteBody,
  type ApiHandlers,
  type RouteHandlers,
  type RouteRequest,
  type SessionRouteName,
  type StreamSources,
} from './route-table.js';
import type { UiServer } from './ui-static.js';
import { openEventStream, type StreamRegistry } from './event-stream.js';
import { openLogStream } from './log-stream.js';
import { decodeJsonBody } from './routes/body-parse.js';
import { describeThrown, internalMessage, newRequestId } from './internal-error.js';
import {
  QUERY_CODECS,
  ROUTES,
  errorBody,
  httpStatusFor,
  matchRoute,
  wantsEventStream,
  type RouteName,
  type RouteQuery,
  type RouteSpec,
} from './contract.js';

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

/** An error with an HTTP status that is not the code's usual one (405, 413, 415). */
class HttpError extends VigilError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

/** A text response (GET /metrics). */
function sendText(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

/**
 * Characters written at a time. Below V8's large-object size (128 KiB), so each written string is young
 * garbage, collected within milliseconds; larger ones would pile up until a major collection (a 10,000
 * event reply made the agent's RSS jump by 40 MB that way).
 */
const WRITE_CHARS = 64 * 1024;

/**
 * `{"<key>":[…]}` with status 200, chunked: the items (in pages, each read only when the socket has
 * taken the previous one) are serialized and written about WRITE_CHARS at a time, so a large reply
 * never exists whole.
 */
async function sendJsonList(
  res: ServerResponse,
  key: string,
  pages: Iterable<readonly unknown[]>,
): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  let ok = res.write(`{${JSON.stringify(key)}:[`);
  let chunk = '';
  let first = true;
  for (const items of pages) {
    for (const item of items) {
      chunk += (first ? '' : ',') + JSON.stringify(item);
      first = false;
      if (chunk.length < WRITE_CHARS) continue;
      if (!ok) await drained(res);
      if (res.destroyed) return;
      ok = res.write(chunk);
      chunk = '';
    }
  }
  if (!ok) await drained(res);
  res.end(`${chunk}]}`);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
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
    const query = QUERY_CODECS[route].decode(new URLSearchParams(search));
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
