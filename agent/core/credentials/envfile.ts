/**
 * The credential set file syntax, `<set>.env`, read alike by systemd `EnvironmentFile=`, dotenv and
 * vigil-launch `--env-file`. Pure.
 *
 * What Vigil writes (the canonical form; every reader gets the same bytes):
 *   - `# …` comment lines; `# updated: <ISO time>` right above an assignment dates that key.
 *   - `KEY=value` unquoted when the value is only [A-Za-z0-9_@%+=:,./^~-] (or empty);
 *   - `KEY='value'` for any other value without a single quote (no escapes inside: `$`, `#`, `\`, `"`,
 *     spaces and backticks are literal for all three readers);
 *   - `KEY="value"` for a value with a single quote, only when it has no `"` and no `\`.
 * A value that is none of these (a `'` together with `"` or `\`), or that holds a line break, NUL or
 * another control character (tab is fine), cannot be written so that every reader agrees, and is refused.
 *
 * Reading: `parseEnv(text, 'systemd')` follows systemd's EnvironmentFile= rules (so a hand-edited file
 * is read as the service will see it); `parseEnv(text, 'dotenv')` follows dotenv (for `secrets import`).
 */
import { parseDotenv, parseSystemd } from './envfile-parse.js';
import { CREDENTIAL_SET_RE } from '../manifest/names.js';

export const CREDENTIAL_KEY_RE = /^[A-Z_][A-Z0-9_]*$/;
/** Longest accepted value, in UTF-16 code units (an API key is ~100; a PEM key ~3 KiB). */
export const MAX_VALUE_LENGTH = 16 * 1024;
export const MAX_KEYS = 500;

const SAFE_UNQUOTED_RE = /^[A-Za-z0-9_@%+=:,./^~-]*$/;

export interface CredentialEntry {
  key: string;
  value: string;
  /** When the key was last set (ms since epoch); null when the file does not say (hand-added). */
  updatedAt: number | null;
}

export interface EnvProblem {
  line: number;
  message: string;
}

export interface ParsedEnv {
  entries: CredentialEntry[];
  problems: EnvProblem[];
}

export function setNameProblem(set: string): string | null {
  return CREDENTIAL_SET_RE.test(set)
    ? null
    : `"${printable(set)}" is not a credential set name: use a-z, 0-9, _ and -, starting with a letter or digit (e.g. anthropic)`;
}

export function keyProblem(key: string): string | null {
  if (key === '') return 'the key is empty';
  if (!CREDENTIAL_KEY_RE.test(key)) {
    return `"${printable(key)}" is not a valid key: use capital letters, digits and _, not starting with a digit (e.g. OPENAI_API_KEY)`;
  }
  return null;
}

/** Why a value cannot be stored, or null. Never includes the value itself. */
export function valueProblem(value: string): string | null {
  if (value.length > MAX_VALUE_LENGTH) return `the value is longer than ${MAX_VALUE_LENGTH} characters`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0a || c === 0x0d)
      return 'the value contains a line break; a credential value must be one line';
    if (c === 0x00) return 'the value contains a NUL byte';
    if ((c < 0x20 && c !== 0x09) || c === 0x7f)
      return `the value contains the control character U+${hex4(c)}`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = value.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return 'the value is not valid Unicode (a lone surrogate)';
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'the value is not valid Unicode (a lone surrogate)';
    if (c === 0xfeff) return 'the value contains U+FEFF (byte order mark), which systemd refuses';
    if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) === 0xfffe)
      return `the value contains the Unicode noncharacter U+${hex4(c)}, which systemd refuses`;
  }
  if (value.includes("'") && (value.includes('"') || value.includes('\\'))) {
    return 'the value contains a single quote together with a double quote or a backslash: systemd and dotenv would read it differently';
  }
  return null;
}

/** The right-hand side of `KEY=…` in the canonical form. Call valueProblem first (this throws on a refused value). */
export function quoteValue(value: string): string {
  const problem = valueProblem(value);
  if (problem !== null) throw new Error(problem);
  if (SAFE_UNQUOTED_RE.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value}"`;
}

/** The whole file: a header comment, then each key (dated when known), in the order given. */
export function serializeSet(set: string, entries: readonly CredentialEntry[]): string {
  const lines = [`# Vigil credential set "${set}": managed by \`vigil secrets\`. Keep this file mode 0600.`];
  for (const e of entries) {
    const problem = keyProblem(e.key);
    if (problem !== null) throw new Error(problem);
    if (e.updatedAt !== null) lines.push(`# updated: ${new Date(e.updatedAt).toISOString()}`);
    lines.push(`${e.key}=${quoteValue(e.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Keys with their values; a later assignment of the same key replaces the earlier one (as every reader does). */
export function parseEnv(text: string, dialect: 'systemd' | 'dotenv'): ParsedEnv {
  const raw = dialect === 'systemd' ? parseSystemd(text) : parseDotenv(text);
  const problems = [...raw.problems];
  const byKey = new Map<string, CredentialEntry>();
  for (const a of raw.assignments) {
    const kp = keyProblem(a.key);
    const vp = kp === null ? valueProblem(a.value) : null;
    if (kp !== null || vp !== null) {
      problems.push({ line: a.line, message: kp ?? `${a.key}: ${vp!}` });
      continue;
    }
    byKey.delete(a.key);
    byKey.set(a.key, { key: a.key, value: a.value, updatedAt: a.updatedAt });
  }
  if (byKey.size > MAX_KEYS) problems.push({ line: 1, message: `more than ${MAX_KEYS} keys` });
  return { entries: [...byKey.values()], problems: problems.sort((a, b) => a.line - b.line) };
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
