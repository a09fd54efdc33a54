/**
 * Where webhook secrets come from: the credential store (set `alerts` by default, keys `<NAME>_URL` /
 * `<NAME>_TOKEN`, file $VIGIL_HOME/credentials/<set>.env), else — with a warning at apply — the value
 * written inline in the manifest, read from the manifest file itself when needed, so that it is never
 * copied into the database.
 */
import { readFile } from 'node:fs/promises';
import { webhookSecretKey, type WebhookConfig } from '../../core/alerts/config.js';
import type { CredentialStore } from '../../ports/credentials.js';
import type { SecretSource } from '../../ports/secrets.js';

/** The credential store as the agent's SecretSource (read fresh each time: a rotated value applies at once). */
export class CredentialStoreSecrets implements SecretSource {
  constructor(private readonly store: Pick<CredentialStore, 'read'>) {}

  async get(set: string, key: string): Promise<string | undefined> {
    return this.store.read(set)?.entries.find((e) => e.key === key)?.value;
  }
}

/** A webhook's url/token as written in the manifest file (the fallback). */
export async function manifestInlineSecret(
  file: string,
  webhook: string,
  what: 'url' | 'token',
): Promise<string | undefined> {
  try {
    const { parse } = await import('yaml'); // rarely needed: not loaded with the agent
    const doc = parse(await readFile(file, 'utf8')) as {
      alerts?: { webhooks?: Record<string, Record<string, unknown>> };
    } | null;
    const v = doc?.alerts?.webhooks?.[webhook]?.[what];
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Credential store first, then the manifest's inline value (when the manifest had one at apply). */
export function secretLookup(
  source: SecretSource,
  set: () => string,
  manifestFile: () => string | null,
  inline: () => Record<string, { url: boolean; token: boolean }>,
) {
  return async (w: WebhookConfig, what: 'url' | 'token'): Promise<string | undefined> => {
    const stored = await source.get(set(), webhookSecretKey(w.name, what));
    if (stored) return stored;
    const file = manifestFile();
    if (file && inline()[w.name]?.[what]) return manifestInlineSecret(file, w.name, what);
    return undefined;
  };
}
