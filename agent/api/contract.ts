/**
 * The agent's local API, as data: one route table that the server dispatches on and the client builds
 * URLs from. Pure and framework-free (no node imports), so a browser imports it too.
 *
 * Each feature keeps its routes in agent/api/routes/<feature>.ts: a `<FEATURE>_ROUTES` table, a
 * `<Feature>RouteTypes` interface (params, query, body, response per route) and its query codecs.
 * Adding a feature: spread its table into ROUTES, intersect its types into RouteTypes, spread its codecs
 * into QUERY_CODECS (only routes that take a query have one); the compiler then asks for the route's
 * handler in the agent's route table (agent/api/server.ts, filled by agent/daemon/agent-routes.ts) and,
 * when it takes a body, for its validator (BODY_PARSERS in agent/api/server.ts).
 */
import { VigilError, type ErrorCode } from '../core/errors.js';
import type { RouteSpec, Same, QueryCodec, QueryCodecs } from './route-spec.js';
import { CORE_QUERY_CODECS, CORE_ROUTES, type CoreRouteTypes } from './routes/core.js';
import { SESSION_ROUTES, type SessionRouteTypes } from './routes/session.js';
import { MONITOR_QUERY_CODECS, MONITOR_ROUTES, type MonitorRouteTypes } from './routes/monitor.js';
import {
  CREDENTIAL_QUERY_CODECS,
  CREDENTIAL_ROUTES,
  type CredentialRouteTypes,
} from './routes/credentials.js';
import { LOG_QUERY_CODECS, LOG_ROUTES, type LogRouteTypes } from './routes/logs.js';
import { USAGE_QUERY_CODECS, USAGE_ROUTES, type UsageRouteTypes } from './routes/usage.js';
import { HOST_ROUTES, type HostRouteTypes } from './routes/host.js';

export * from './sse-wire.js';
export * from './routes/core.js';
export * from './routes/session.js';
export * from './routes/monitor.js';
export * from './routes/credentials.js';
export * from './routes/logs.js';
export * from './routes/usage.js';
export * from './routes/host.js';
export { parseTimeParam, type HttpMethod, type RouteSpec, type QueryCodec } from './route-spec.js';
import type { HttpMethod } from './route-spec.js';

/** The body of every failure response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export const ROUTES = {
  ...CORE_ROUTES,
  ...SESSION_ROUTES,
  ...MONITOR_ROUTES,
  ...CREDENTIAL_ROUTES,
  ...LOG_ROUTES,
  ...USAGE_ROUTES,
  ...HOST_ROUTES,
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** Per route: path parameters, query, JSON request body and the JSON response body. */
export type RouteTypes = CoreRouteTypes &
  SessionRouteTypes &
  MonitorRouteTypes &
  CredentialRouteTypes &
  LogRouteTypes &
  UsageRouteTypes &
  HostRouteTypes;

export type RouteParams<K extends RouteName> = RouteTypes[K]['params'];
export type RouteQuery<K extends RouteName> = RouteTypes[K]['query'];
export type RouteBody<K extends RouteName> = RouteTypes[K]['body'];
export type RouteResponse<K extends RouteName> = RouteTypes[K]['response'];

// Compile-time guard: ROUTES and RouteTypes name the same routes.
export const ROUTES_AGREE: Same<keyof RouteTypes, RouteName> = true;

/** The query codec of each route that takes a query; a route without one has none (see decodeQuery). */
export const QUERY_CODECS: QueryCodecs<RouteTypes> = {
  ...CORE_QUERY_CODECS,
  ...MONITOR_QUERY_CODECS,
  ...CREDENTIAL_QUERY_CODECS,
  ...LOG_QUERY_CODECS,
  ...USAGE_QUERY_CODECS,
};

function codecOf<K extends RouteName>(route: K): QueryCodec<RouteQuery<K>> | undefined {
  return (QUERY_CODECS as Partial<Record<RouteName, QueryCodec<RouteQuery<K>>>>)[route];
}

/** A request's query for its route; `{}` for a route that takes none (its keys are ignored). */
export function decodeQuery<K extends RouteName>(route: K, sp: URLSearchParams): RouteQuery<K> {
  const codec = codecOf(route);
  return codec === undefined ? ({} as RouteQuery<K>) : codec.decode(sp);
}

// ---------------------------------------------------------------------------------------------------
// Errors

const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  E_USAGE: 400,
  E_MANIFEST_READ: 500,
  E_MANIFEST_YAML: 500,
  E_MANIFEST_INVALID: 500,
  E_UNKNOWN_SERVICE: 404,
  E_PROCESS: 500,
  E_SERVICE_MANAGER: 500,
  E_APPLY_FAILED: 500,
  E_STORE: 500,
  E_AGENT_UNREACHABLE: 500,
  E_API: 500,
  E_INTERNAL: 500,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN_HOST: 403,
  E_NOT_FOUND: 404,
  E_UNAVAILABLE: 501,
  E_IO: 500,
  E_PORT_IN_USE: 409,
  E_CREDENTIAL_UNSAFE: 409,
  E_LOCKED: 409,
  E_HOME_UNSAFE: 409,
  E_JOURNAL_UNSAFE: 409,
  E_STORE_BUSY: 503,
  E_REGEX_TIMEOUT: 422,
  E_IMPORT: 400,
  E_OTLP_DECODE: 400,
  E_DBUS: 500,
};

export const ERROR_CODES: readonly ErrorCode[] = Object.keys(STATUS_BY_CODE) as ErrorCode[];

export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.hasOwn(STATUS_BY_CODE, x);
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function isErrorBody(x: unknown): x is ErrorBody {
  if (typeof x !== 'object' || x === null) return false;
  const e = (x as { error?: unknown }).error;
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  return isErrorCode(code) && typeof message === 'string';
}

// ---------------------------------------------------------------------------------------------------
// Matching and building paths

export type RouteMatch =
  | { kind: 'match'; route: RouteName; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' };

const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

function matchPath(spec: RouteSpec, pathname: string): Record<string, string> | null {
  const want = spec.path.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (!w.startsWith(':')) {
      if (w !== g) return null;
      continue;
    }
    let value: string;
    try {
      value = decodeURIComponent(g);
    } catch {
      return null;
    }
    const key = w.slice(1);
    const allowed = spec.params?.[key];
    if (value === '' || (allowed !== undefined && !allowed.includes(value))) return null;
    params[key] = value;
  }
  return params;
}

/** Which route a request is for. `pathname` is the raw (still percent-encoded) path, without query. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allow: HttpMethod[] = [];
  for (const route of ROUTE_NAMES) {
    const spec: RouteSpec = ROUTES[route];
    const params = matchPath(spec, pathname);
    if (params === null) continue;
    if (spec.method === method) return { kind: 'match', route, params };
    allow.push(spec.method);
  }
  return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
}

/** The path plus query string of a route, e.g. `/api/services/web/restart` or `/api/events?limit=5`. */
export function buildPath<K extends RouteName>(
  route: K,
  params: RouteParams<K>,
  query?: RouteQuery<K>,
): string {
  const values = params as Record<string, string>;
  const path = ROUTES[route].path
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg;
      const v = values[seg.slice(1)];
      if (v === undefined || v === '')
        throw new VigilError('E_USAGE', `missing path parameter ${seg} for ${route}`);
      return encodeURIComponent(v);
    })
    .join('/');
  const codec = codecOf(route);
  const qs = query === undefined || codec === undefined ? '' : codec.encode(query).toString();
  return qs === '' ? path : `${path}?${qs}`;
}
