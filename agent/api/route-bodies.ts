/**
 * The request-body validators, one per route that takes a body, beside their routes
 * (agent/api/routes/<feature>-bodies.ts). Each loads on the first request that needs it, not with the
 * agent: the schemas are zod, which costs ~15 MB of resident memory in an agent nobody writes to.
 * The compiler asks for an entry for every route whose contract has a body.
 */
import type { RouteBody, RouteName } from './contract.js';

type BodyRouteName = { [K in RouteName]: undefined extends RouteBody<K> ? (RouteBody<K> extends undefined ? never : K) : K }[RouteName];

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
