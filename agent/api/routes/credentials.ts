/**
 * Credential store routes. Values only ever go IN (request bodies); responses carry key names, values
 * masked to their last 4 characters, dates, services and outcomes — never a value.
 *
 *   GET    /api/credentials                      every set (masked), with services, age, overdue
 *   PUT    /api/credentials/:set/keys/:key       {value}        set (add or replace) one key
 *   DELETE /api/credentials/:set/keys/:key                      remove one key
 *   POST   /api/credentials/:set/rotate          {values:{KEY:value}, timeoutSec?, stableSec?}
 *          health-gated rotation with rollback; progress as `credential-rotation` events, answers with the outcome
 *   GET    /api/credentials/audit?set=&limit=    the audit trail, newest first
 */
import type { CredentialSetInfo, CredentialsDoc } from '../../core/credentials/model.js';
import type { RotationResult } from '../../core/credentials/rotation.js';
import type { AuditQuery, AuditRecord } from '../../ports/credentials.js';
import type { Principal } from './session.js';
import {
  onlyKeys,
  parseCount,
  type NoParams,
  type NoQuery,
  type QueryCodec,
  type QueryCodecs,
  type RouteSpec,
} from '../route-spec.js';

export type { CredentialKeyInfo, CredentialSetInfo, CredentialsDoc } from '../../core/credentials/model.js';
export type { RotationResult, ServiceCheck, RotationOutcome } from '../../core/credentials/rotation.js';
export type { AuditRecord, AuditQuery } from '../../ports/credentials.js';

/**
 * Who changed a credential, as the audit records it: how the request was authenticated — the unix
 * socket (the CLI) "cli", the bearer token "api", a browser session "ui". Never what a body claims.
 */
export type CredentialActor = 'cli' | 'api' | 'ui';

export interface SetCredentialBody {
  value: string;
  /** Ignored (older clients sent it): the actor is how the request was authenticated (actorOf). */
  actor?: 'cli' | 'ui';
}

export interface RotateCredentialsBody {
  values: Record<string, string>;
  /** Per service, seconds to become healthy (default 60). */
  timeoutSec?: number;
  /** Without a health URL: seconds a service must run without a restart (default 10). */
  stableSec?: number;
  /** Ignored (older clients sent it): the actor is how the request was authenticated (actorOf). */
  actor?: 'cli' | 'ui';
}

export interface RemoveCredentialBody {
  /** Ignored (older clients sent it): the actor is how the request was authenticated (actorOf). */
  actor?: 'cli' | 'ui';
}

/** The audit actor of a request, from how it was authenticated (a body's claim plays no part). */
export function actorOf(principal: Principal): CredentialActor {
  return principal === 'socket' ? 'cli' : principal === 'bearer' ? 'api' : 'ui';
}

export interface AuditDoc {
  records: AuditRecord[];
}

export const MAX_CREDENTIAL_AUDIT_LIMIT = 10_000;

export const CREDENTIAL_ROUTES = {
  credentials: { method: 'GET', path: '/api/credentials' },
  credentialSet: { method: 'PUT', path: '/api/credentials/:set/keys/:key' },
  credentialRemove: { method: 'DELETE', path: '/api/credentials/:set/keys/:key' },
  credentialRotate: { method: 'POST', path: '/api/credentials/:set/rotate' },
  credentialAudit: { method: 'GET', path: '/api/credentials/audit' },
} as const satisfies Record<string, RouteSpec>;

export interface CredentialRouteTypes {
  credentials: { params: NoParams; query: NoQuery; body: undefined; response: CredentialsDoc };
  credentialSet: {
    params: { set: string; key: string };
    query: NoQuery;
    body: SetCredentialBody;
    response: CredentialSetInfo;
  };
  credentialRemove: {
    params: { set: string; key: string };
    query: NoQuery;
    body: RemoveCredentialBody | undefined;
    response: CredentialSetInfo;
  };
  credentialRotate: {
    params: { set: string };
    query: NoQuery;
    body: RotateCredentialsBody;
    response: RotationResult;
  };
  credentialAudit: { params: NoParams; query: AuditQuery; body: undefined; response: AuditDoc };
}

const AUDIT_KEYS = new Set(['set', 'limit']);

const auditQueryCodec: QueryCodec<AuditQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.set !== undefined) sp.set('set', q.set);
    if (q.limit !== undefined) sp.set('limit', String(q.limit));
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, AUDIT_KEYS, '/api/credentials/audit');
    const q: AuditQuery = {};
    const set = sp.get('set');
    if (set !== null && set !== '') q.set = set;
    const limit = sp.get('limit');
    if (limit !== null) q.limit = parseCount('limit', limit, 1, MAX_CREDENTIAL_AUDIT_LIMIT);
    return q;
  },
};

export const CREDENTIAL_QUERY_CODECS: QueryCodecs<CredentialRouteTypes> = {
  credentialAudit: auditQueryCodec,
};
