/** What the daemon implements for the credential routes. Responses never carry a value. */
import type { Actor } from '../ports/credentials.js';
import type { AuditDoc, AuditQuery, CredentialSetInfo, CredentialsDoc, RotationResult } from './routes/credentials.js';

export interface CredentialApiHandlers {
  /** GET /api/credentials */
  credentials(): Promise<CredentialsDoc>;
  /** PUT /api/credentials/:set/keys/:key */
  credentialSet(set: string, key: string, value: string, actor: Actor): Promise<CredentialSetInfo>;
  /** DELETE /api/credentials/:set/keys/:key */
  credentialRemove(set: string, key: string, actor: Actor): Promise<CredentialSetInfo>;
  /** POST /api/credentials/:set/rotate — resolves when the rotation (and any rollback) is over. */
  credentialRotate(set: string, req: { values: Record<string, string>; timeoutMs?: number; stableMs?: number; actor: Actor }): Promise<RotationResult>;
  /** GET /api/credentials/audit */
  credentialAudit(q: AuditQuery): Promise<AuditDoc>;
}
