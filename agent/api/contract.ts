/**
 * The agent's local API, as data: one route table that the server dispatches on and the client builds
 * URLs from. Pure and framework-free (no node imports), so a browser can import it later.
 * Adding a route: add it to ROUTES and RouteTypes (and QUERY_CODECS if it takes a query); the compiler
 * then asks for the server's dispatch entry and the handler.
 */
import type { ServiceStatus, StatusDoc } from '../core/status.js';
import type { EventType, VigilEvent } from '../core/events.js';
import type { EventQuery } from '../ports/store.js';
import { VigilError, type ErrorCode } from '../core/errors.js';

export * from './sse-wire.js';

export const ACTION_VERBS = ['start', 'stop', 'restart'] as const;
export type ActionVerb = (typeof ACTION_VERBS)[number];

export interface ActionResult {
  service: string;
  action: ActionVerb;
  ok: true;
  status: ServiceStatus;
}

export interface EventsResponse {
  events: VigilEvent[];
}

/** Liveness of the agent itself. */
export interface HealthDoc {
  ok: true;
  version: string;
  pid: number;
  startedAt: string;
}

/** The body of every failure response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export type HttpMethod = 'GET' | 'POST';

export interface RouteSpec {
  method: HttpMethod;
  /** Segments starting with ':' are parameters. */
  path: string;
  /** Allowed values of constrained path parameters (others do not match the route). */
  params?: Readonly<Record<string, readonly string[]>>;
  /** Also answers `Accept: text/event-stream` with a live stream. */
  stream?: boolean;
}

export const ROUTES = {
  health: { method: 'GET', path: '/api/health' },
  status: { method: 'GET', path: '/api/status' },
  action: { method: 'POST', path: '/api/services/:name/:verb', params: { verb: ACTION_VERBS } },
  events: { method: 'GET', path: '/api/events', stream: true },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

type NoParams = Record<string, never>;
type NoQuery = Record<string, never>;

/** Per route: path parameters, query, and the JSON response body. */
export interface RouteTypes {
  health: { params: NoParams; query: NoQuery; response: HealthDoc };
  status: { params: NoParams; query: NoQuery; response: StatusDoc };
  action: { params: { name: string; verb: ActionVerb }; query: NoQuery; response: ActionResult };
  events: { params: NoParams; query: EventQuery; response: EventsResponse };
}

export type RouteParams<K extends RouteName> = RouteTypes[K]['params'];
export type RouteQuery<K extends RouteName> = RouteTypes[K]['query'];
export type RouteResponse<K extends RouteName> = RouteTypes[K]['response'];

// Compile-time guard: ROUTES and RouteTypes name the same routes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const ROUTES_AGREE: Same<keyof RouteTypes, RouteName> = true;

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
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN_HOST: 403,
  E_NOT_FOUND: 404,
  E_IO: 500,
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
  const qs = query === undefined ? '' : QUERY_CODECS[route].encode(query as never).toString();
  return qs === '' ? path : `${path}?${qs}`;
}

// ---------------------------------------------------------------------------------------------------
// Query strings

interface QueryCodec<Q> {
  encode(q: Q): URLSearchParams;
  /** Throws VigilError E_USAGE on a malformed query. */
  decode(sp: URLSearchParams): Q;
}

const noQuery: QueryCodec<NoQuery> = {
  encode: () => new URLSearchParams(),
  decode: () => ({}),
};

const EVENT_TYPES = [
  'started',
  'stopped',
  'crashed',
  'restarted',
  'crashloop',
  'start-limit-hit',
  'oom-killed',
  'drift',
  'installed',
  'updated',
  'removed',
  'agent-started',
  'agent-stopped',
] as const satisfies readonly EventType[];
// Compile-time guard: every EventType is listed.
export const EVENT_TYPES_COMPLETE: Same<EventType, (typeof EVENT_TYPES)[number]> = true;

export const MAX_EVENT_LIMIT = 10_000;
const EVENT_QUERY_KEYS = new Set(['since', 'service', 'type', 'limit', 'afterId']);

function usage(message: string): VigilError {
  return new VigilError('E_USAGE', message);
}

function parseCount(key: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw usage(`${key} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw usage(`${key} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/** `since` is milliseconds since the epoch or an ISO date/time. */
export function parseSince(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw usage(`since must be an ISO time or milliseconds since the epoch, got "${raw}"`);
  return ms;
}

const eventQueryCodec: QueryCodec<EventQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.since !== undefined) sp.set('since', String(q.since));
    if (q.service !== undefined) sp.set('service', q.service);
    if (q.types !== undefined && q.types.length > 0) sp.set('type', q.types.join(','));
    if (q.limit !== undefined) sp.set('limit', String(q.limit));
    if (q.afterId !== undefined) sp.set('afterId', String(q.afterId));
    return sp;
  },
  decode(sp) {
    for (const key of sp.keys()) {
      if (!EVENT_QUERY_KEYS.has(key)) throw usage(`unknown query parameter "${key}" for /api/events`);
    }
    const q: EventQuery = {};
    const since = sp.get('since');
    if (since !== null) q.since = parseSince(since);
    const service = sp.get('service');
    if (service !== null && service !== '') q.service = service;
    const types = sp
      .getAll('type')
      .flatMap((t) => t.split(','))
      .map((t) => t.trim())
      .filter((t) => t !== '');
    for (const t of types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t)) {
        throw usage(`unknown event type "${t}" (known: ${EVENT_TYPES.join(', ')})`);
      }
    }
    if (types.length > 0) q.types = types as EventType[];
    const limit = sp.get('limit');
    if (limit !== null) q.limit = parseCount('limit', limit, 1, MAX_EVENT_LIMIT);
    const afterId = sp.get('afterId');
    if (afterId !== null) q.afterId = parseCount('afterId', afterId, 0, Number.MAX_SAFE_INTEGER);
    return q;
  },
};

export const QUERY_CODECS: { readonly [K in RouteName]: QueryCodec<RouteQuery<K>> } = {
  health: noQuery,
  status: noQuery,
  action: noQuery,
  events: eventQueryCodec,
};
