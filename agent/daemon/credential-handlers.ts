/**
 * The credential routes' handlers: list, set, remove, rotate, audit. Responses never carry a value.
 * Imported by credential-routes.ts on the first credential request (with app/credentials.ts, app/rotate.ts
 * and their wiring), not when the agent starts.
 */
import type { RouteHandlers } from '../api/server.js';
import { actorOf, type CredentialRouteTypes } from '../api/contract.js';
import { listCredentials, removeKey, setKeys, type CredentialDeps } from '../app/credentials.js';
import { rotateCredentials } from '../app/rotate.js';
import type { AgentRuntime } from './module.js';
import { credentialDeps, rotateDeps } from './credential-wiring.js';

function deps(services: AgentRuntime): CredentialDeps {
  const { credentials, store, supervisor } = services;
  return credentialDeps(services, {
    store: credentials.store,
    db: store,
    record: (events) => {
      supervisor.record(events);
      credentials.cache.refresh();
    },
  });
}

export function credentialHandlers(services: AgentRuntime): Pick<RouteHandlers, keyof CredentialRouteTypes> {
  const { credentials, ctx, manager } = services;
  return {
    async credentials() {
      return listCredentials(deps(services));
    },
    async credentialSet({ params, body, access }) {
      return setKeys(deps(services), params.set, { [params.key]: body.value }, actorOf(access.principal));
    },
    async credentialRemove({ params, access }) {
      return removeKey(deps(services), params.set, params.key, actorOf(access.principal));
    },
    async credentialRotate({ params, body, access }) {
      try {
        return await rotateCredentials(
          rotateDeps({ manager, runner: ctx.runner, readLogTail: ctx.readLogTail }, deps(services)),
          {
            set: params.set,
            values: body.values,
            actor: actorOf(access.principal),
            ...(body.timeoutSec === undefined ? {} : { timeoutMs: body.timeoutSec * 1000 }),
            ...(body.stableSec === undefined ? {} : { stableMs: body.stableSec * 1000 }),
          },
        );
      } finally {
        credentials.cache.refresh();
      }
    },
    async credentialAudit({ query }) {
      return { records: deps(services).ledger.list(query) };
    },
  };
}
