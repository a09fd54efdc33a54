/**
 * The credential routes of the running agent: list, set, remove, rotate, audit (credential-handlers.ts,
 * imported on the first of them: an idle agent manages no credentials; its log scrubber and leak guard
 * are the credential module's, daemon/credentials.ts, loaded at start).
 */
import type { RouteHandlers } from '../api/server.js';
import type { CredentialRouteTypes } from '../api/contract.js';
import type { AgentRuntime } from './module.js';
import { lazyRoutes } from './lazy-routes.js';

/** Every route of the slice: the compiler checks the list against the contract's credential routes. */
const SLICE = {
  credentials: true,
  credentialSet: true,
  credentialRemove: true,
  credentialRotate: true,
  credentialAudit: true,
} satisfies Record<keyof CredentialRouteTypes, true>;

export function credentialRoutes(services: AgentRuntime): Pick<RouteHandlers, keyof CredentialRouteTypes> {
  return lazyRoutes(Object.keys(SLICE) as (keyof CredentialRouteTypes)[], async () =>
    (await import('./credential-handlers.js')).credentialHandlers(services),
  );
}
