/** The credential routes of the running agent: list, set, remove, rotate, audit. Responses never carry a value. */
import type { RouteHandlers } from '../api/route-table.js';
import { actorOf, type CredentialRouteTypes } from '../api/contract.js';
import { processAlive } from '../adapters/process/alive.js';
import { ledgerFor } from '../adapters/sqlite/credential-ledger.js';
import { KindProber } from '../adapters/probe/kind-prober.js';
import { fromDatabase, listCredentials, removeKey, setKeys, type CredentialDeps } from '../app/credentials.js';
import { rotateCredentials } from '../app/rotate.js';
import type { AgentServices } from './module.js';

function deps(services: AgentServices): CredentialDeps {
  const { credentials, store, clock, supervisor } = services;
  return {
    store: credentials.store,
    ledger: ledgerFor(store, { now: () => clock.now(), alive: processAlive }),
    clock,
    ...fromDatabase(store),
    record: (events) => {
      supervisor.record(events);
      credentials.cache.refresh();
    },
  };
}

export function credentialRoutes(services: AgentServices): Pick<RouteHandlers, keyof CredentialRouteTypes> {
  const { credentials, ctx, manager } = services;
  return {
    async credentials() {
      return listCredentials(deps(services));
    },
    async credentialSet({ params, body, access }) {
      return setKeys(deps(services), params.set, { [params.key]: body.value }, actorOf(access.principal, body.actor));
    },
    async credentialRemove({ params, body, access }) {
      return removeKey(deps(services), params.set, params.key, actorOf(access.principal, body?.actor));
    },
    async credentialRotate({ params, body, access }) {
      try {
        return await rotateCredentials(
          { ...deps(services), manager, probe: (p, ms) => new KindProber(ctx.runner).probe(p, ms), readLogTail: ctx.readLogTail },
          {
            set: params.set,
            values: body.values,
            actor: actorOf(access.principal, body.actor),
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
