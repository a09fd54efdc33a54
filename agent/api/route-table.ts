/**
 * The server's side of the contract: for each route a handler typed from it. A feature exports its
 * slice (`Pick<RouteHandlers, …its routes>`) from one file (agent/daemon/<feature>-routes.ts); the
 * agent spreads the slices into one table (agent/daemon/agent-routes.ts) and the compiler checks that
 * every route has its handler. Handlers throw VigilError to answer with an error body.
 *
 * Request bodies are validated before the handler runs, by one validator per route that takes a body
 * (agent/api/routes/<feature>-bodies.ts, beside the route). Each loads on the first request that needs
 * it, not with the agent: the schemas are zod, ~15 MB of resident memory in an agent nobody writes to.
 * The compiler asks for a validator for every route whose contract has a body.
 */
import type { ServerResponse } from 'node:http';
import type { VigilEvent } from '../core/events.js';
import type { LogTailQuery } from '../core/logs/model.js';
import type { EventQuery } from '../ports/store.js';
import type { Access } from './guard.js';
import type { RouteBody, RouteName, RouteParams, RouteQuery, RouteResponse } from './contract.js';
import type { SessionRouteTypes } from './routes/session.js';

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
