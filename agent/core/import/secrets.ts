/**
 * Which environment values of an imported service are secrets: a name that says so (OPENAI_API_KEY,
 * GH_TOKEN, DB_PASSWORD, CLIENT_SECRET…, the manifest's own rule) or a value that looks like a key (a
 * known key prefix, a URL with a password, a long random-looking token). With `all`, every value is.
 * Secrets go to the credential store, never into the manifest. Pure.
 */
import { SECRETISH_RE } from '../manifest/names.js';

const KEY_PREFIX_RE =
  /^(sk-|sk_live_|sk_test_|rk_live_|pk_live_|ghp_|gho_|ghs_|ghu_|github_pat_|glpat-|xox[abprs]-|AKIA|ASIA|AIza|hf_|npm_|SG\.|eyJ)/;
const URL_PASSWORD_RE = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/** A value that looks like a key or token, whatever its name. */
export function looksLikeKey(value: string): boolean {
  if (KEY_PREFIX_RE.test(value) && value.length >= 12) return true;
  if (URL_PASSWORD_RE.test(value)) return true;
  // 32+ characters of one token (base64/hex/url-safe alphabet) mixing letters and digits: a random secret.
  return (
    value.length >= 32 &&
    /^[A-Za-z0-9+/=_-]+$/.test(value) &&
    /[0-9]/.test(value) &&
    /[A-Za-z]/.test(value) &&
    !/^[a-z_-]+$/.test(value)
  );
}

export function isSecret(key: string, value: string, all: boolean): boolean {
  return all || SECRETISH_RE.test(key) || looksLikeKey(value);
}
