/**
 * The browser's one API client, typed by the agent's contract (agent/api/contract.ts): paths from
 * buildPath/ROUTES, responses as RouteResponse<K>. fetch is injected, so the store is tested under node
 * against a real agent or a fake. With a browser session (session-key.ts), every request is preceded
 * by the server's proof that it holds the session key and is signed (signing.ts); no cookie is sent.
 */
import { parseSessionSecret, proveServer, signRequest } from './signing.js';
import {
  ROUTES,
  buildPath,
  isErrorBody,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteQuery,
  type RouteResponse,
} from '../../../agent/api/contract.js';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiDeps {
  fetch: FetchFn;
  /** The stored session, `<ticket>~<key>` (null: not signed in; requests then go unsigned and get 401). */
  key: () => string | null;
  /** Prefix of every path: '' in the browser (same origin), 'http://127.0.0.1:PORT' in tests. */
  base?: string;
  /** Extra headers (tests: Authorization, or a browser-like Origin). */
  headers?: Record<string, string>;
}

/** A failed call: the HTTP status and the agent's error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Not signed in (or the session ended). */
  get unauthorized(): boolean {
    return this.status === 401;
  }

  /**
   * The feature is not available from this agent: E_UNAVAILABLE (its module is off), or 404 E_NOT_FOUND
   * from an agent that predates the route (the routes this is asked of never answer E_NOT_FOUND otherwise).
   */
  get unavailable(): boolean {
    return this.code === 'E_UNAVAILABLE' || (this.status === 404 && this.code === 'E_NOT_FOUND');
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

export interface Api {
  /** Any route of the contract. */
  call<K extends RouteName>(
    route: K,
    params: RouteParams<K>,
    query?: RouteQuery<K>,
    body?: RouteBody<K>,
  ): Promise<RouteResponse<K>>;
  /** A request by method and path (for streams and endpoints the contract names only by path). */
  request(
    method: string,
    path: string,
    init?: { body?: unknown; accept?: string; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response>;
  /** JSON of a path; throws ApiError like call(). */
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
}

async function failure(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) return new ApiError(res.status, body.error.code, body.error.message);
  return new ApiError(res.status, 'E_API', `the agent answered HTTP ${res.status}`);
}

export function createApi(deps: ApiDeps): Api {
  const base = deps.base ?? '';

  async function request(
    method: string,
    path: string,
    init: { body?: unknown; accept?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      accept: init.accept ?? 'application/json',
      ...deps.headers,
      ...init.headers,
    };
    const secret = parseSessionSecret(deps.key());
    let payload: string | undefined;
    if (init.body !== undefined) {
      payload = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      if (secret !== null) {
        // Nothing goes to a server that cannot prove it holds the session key (a port squatter).
        const proved = await proveServer(deps.fetch, base, secret, init.signal);
        if (!proved.ok) {
          if (proved.response !== null && proved.status === 401) return proved.response;
          throw new ApiError(
            0,
            'E_AGENT_UNREACHABLE',
            `the server at ${base || 'this address'} could not prove it is your Vigil agent (HTTP ${proved.status}); nothing was sent to it`,
          );
        }
        Object.assign(headers, await signRequest(secret, method, path, payload));
      }
      res = await deps.fetch(`${base}${path}`, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        credentials: 'omit',
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, 'E_AGENT_UNREACHABLE', `cannot reach the Vigil agent: ${(err as Error).message}`);
    }
    return res;
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await request(method, path, body === undefined ? {} : { body });
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  }

  return {
    request,
    json,
    call(route, params, query, body) {
      return json(ROUTES[route].method, buildPath(route, params, query), body);
    },
  };
}

export { failure as apiFailure };
