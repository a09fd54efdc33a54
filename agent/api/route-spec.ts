/** The shape of a route, and small helpers shared by every feature's route module. Browser-safe. */
import { VigilError } from '../core/errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** Segments starting with ':' are parameters. */
  path: string;
  /** Allowed values of constrained path parameters (others do not match the route). */
  params?: Readonly<Record<string, readonly string[]>>;
  /** Also answers `Accept: text/event-stream` with a live stream. */
  stream?: boolean;
  /** The response is text of this type (e.g. Prometheus metrics), not JSON; the handler returns a string. */
  contentType?: string;
}

export type NoParams = Record<string, never>;
export type NoQuery = Record<string, never>;

/** Per route: path parameters, query, JSON request body (undefined when none) and JSON response. */
export interface RouteShape {
  params: object;
  query: object;
  body: unknown;
  response: unknown;
}

export interface QueryCodec<Q> {
  encode(q: Q): URLSearchParams;
  /** Throws VigilError E_USAGE on a malformed query. */
  decode(sp: URLSearchParams): Q;
}

/**
 * A feature's query codecs: one for each of its routes that takes a query, none for the others (their
 * query decodes to `{}`, unknown keys ignored, as it always was). T is the feature's route types.
 */
export type QueryCodecs<T> = {
  readonly [
    K in keyof T as T[K] extends { query: infer Q } ? ([Q] extends [NoQuery] ? never : K) : never
  ]: T[K] extends {
    query: infer Q;
  }
    ? QueryCodec<Q>
    : never;
};

export function usageError(message: string): VigilError {
  return new VigilError('E_USAGE', message);
}

export function parseCount(key: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw usageError(`${key} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw usageError(`${key} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/**
 * A `since`/`until` query value: milliseconds since the epoch or an ISO date/time (the CLI's --since
 * also takes 15m/2h/3d: parseSinceFlag in cli/args.ts).
 */
export function parseTimeParam(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw usageError(`since must be an ISO time or milliseconds since the epoch, got "${raw}"`);
  return ms;
}

/** Rejects query keys a route does not know. */
export function onlyKeys(sp: URLSearchParams, allowed: ReadonlySet<string>, path: string): void {
  for (const key of sp.keys()) {
    if (!allowed.has(key)) throw usageError(`unknown query parameter "${key}" for ${path}`);
  }
}

export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
