/** The server's side of the credential routes: bodies validated here, then the daemon's handlers. */
import type { ApiHandlers } from './handlers.js';
import type { RequestContext } from './dispatch.js';
import type { RouteParams, RouteQuery, RouteResponse } from './contract.js';
import type { CredentialRouteTypes } from './routes/credentials.js';

/** The body schemas (zod) load on the first credential write, not with the agent: they cost ~15 MB. */
const bodies = () => import('./credentials-bodies.js');

type Entry<K extends keyof CredentialRouteTypes> = (
  h: ApiHandlers,
  params: RouteParams<K>,
  query: RouteQuery<K>,
  body: unknown,
  ctx: RequestContext,
) => Promise<RouteResponse<K>> | RouteResponse<K>;

export const CREDENTIAL_DISPATCH: { readonly [K in keyof CredentialRouteTypes]: Entry<K> } = {
  credentials: (h) => h.credentials(),
  credentialSet: async (h, p, _q, b, c) => {
    const { actorOf, parseSetBody } = await bodies();
    const body = parseSetBody(b);
    return h.credentialSet(p.set, p.key, body.value, actorOf(c.access.principal, body.actor));
  },
  credentialRemove: async (h, p, _q, b, c) => {
    const { actorOf, parseRemoveBody } = await bodies();
    return h.credentialRemove(p.set, p.key, actorOf(c.access.principal, parseRemoveBody(b)?.actor));
  },
  credentialRotate: async (h, p, _q, b, c) => {
    const { actorOf, parseRotateBody } = await bodies();
    const body = parseRotateBody(b);
    return h.credentialRotate(p.set, {
      values: body.values,
      ...(body.timeoutSec === undefined ? {} : { timeoutMs: body.timeoutSec * 1000 }),
      ...(body.stableSec === undefined ? {} : { stableMs: body.stableSec * 1000 }),
      actor: actorOf(c.access.principal, body.actor),
    });
  },
  credentialAudit: (h, _p, q) => h.credentialAudit(q),
};
