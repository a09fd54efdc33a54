/**
 * Name rules of the manifest, without the schema library: the agent and the CLI check names at runtime and
 * must not load zod (about 14 MB of resident memory) to do so.
 */
export const SERVICE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,47}$/;
/** A service as installed: a service's name, or an instance of a replicated one (`worker@2`, 1–64). */
export const INSTALLED_NAME_RE = /^[a-z0-9][a-z0-9-]{0,47}(?:@[1-9][0-9]?)?$/;
/** Names that would collide with Vigil's own units (vigil-agent.service) or files (logs/vigil-agent.log). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['agent', 'vigil']);
/** Any `vigil-*` name is Vigil's: `vigil-agent` would write its output into the agent's own log. */
export const RESERVED_PREFIX = 'vigil-';

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name) || name.startsWith(RESERVED_PREFIX);
}
export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CREDENTIAL_SET_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Env keys that name a secret: a whole `_`-separated word (OPENAI_API_KEY, GH_TOKEN), not MAX_TOKENS. */
export const SECRETISH_RE =
  /(^|_)(API_?KEY|KEY|PRIVATE_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PASSPHRASE|CREDENTIALS?)(_|$)/i;
