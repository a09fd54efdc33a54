/** One request, start to finish: guard, route, query, body, handler, JSON or event stream, error body. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { VigilError, isStoreBusy, isVigilError } from '../core/errors.js';
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
import { HttpError, readJsonBody, sendJson, sendJsonList, sendText } from './http-io.js';
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
