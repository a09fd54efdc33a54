/**
 * The forms a secret value takes when a program prints it encoded, for the leak guard (redact.ts). Each
 * form is lower-cased (the guard matches case-insensitively) and carries `min`: how long a prefix of it
 * is enough to redact (the prefix rule below). Percent-encoding and `\uXXXX` escapes are not forms here:
 * they can encode any character, so the guard decodes them instead (decode.ts).
 *
 *   value         the value as written
 *   json / json2  JSON-escaped once (inside a JSON log line) and twice (JSON inside a JSON string)
 *   form          spaces as `+` (an HTML form's query string; other characters there are %XX)
 *   hex           hex of the UTF-8 bytes (any case)
 *   base64 0..2   the characters of base64 (standard and URL-safe) that depend on the value's bytes only,
 *                 for each of the 3 alignments the value can have inside a longer encoded text
 *
 * The prefix rule: a value printed without its last few characters still gives most of it away. Any
 * prefix of at least PREFIX_SHARE of the value (and at least MIN_GUARDED_LENGTH characters) is redacted
 * too, in every form. Three quarters: what is left to guess is then at most a quarter of the value (for
 * a 40-character key, 10 characters, ~60 bits: out of reach of guessing, so anything shorter is not worth
 * hiding), and the kept part is long enough to be specific to this value rather than a vendor's shared
 * prefix (`sk-ant-api03-` is 13 of an Anthropic key's 108 characters).
 */
export const MIN_GUARDED_LENGTH = 8;
export const PREFIX_SHARE = 0.75;

export interface SecretForm {
  /** Lower-cased encoded text of the whole value. */
  text: string;
  /** Matches of at least this many characters of `text` (from its start) are redacted. */
  min: number;
  kind: string;
}

type Encoder = (bytes: Uint8Array, chars: string) => string;

const ENCODERS: ReadonlyArray<readonly [string, Encoder]> = [
  ['value', (_b, s) => s],
  ['json', (_b, s) => jsonEscape(s)],
  ['json2', (_b, s) => jsonEscape(jsonEscape(s))],
  ['form', (_b, s) => s.replace(/ /g, '+')],
  ['hex', (b) => toHex(b)],
  ...[0, 1, 2].flatMap((o) => [
    [`base64/${o}`, (b: Uint8Array) => base64Inner(b, o, 'base64')] as const,
    [`base64url/${o}`, (b: Uint8Array) => base64Inner(b, o, 'base64url')] as const,
  ]),
];

/** Every distinct form of `value`, with the shortest prefix of each that is redacted. */
export function secretForms(value: string): SecretForm[] {
  const prefix = guardedPrefix(value);
  const whole = utf8(value);
  const part = utf8(prefix);
  const out = new Map<string, SecretForm>();
  for (const [kind, encode] of ENCODERS) {
    const text = lower(encode(whole, value));
    const pre = lower(encode(part, prefix));
    // Every encoder here maps a prefix to a prefix; the check keeps that true if one is added that does not.
    const min = pre.length >= MIN_GUARDED_LENGTH && text.startsWith(pre) ? pre.length : text.length;
    if (text.length < MIN_GUARDED_LENGTH) continue;
    const seen = out.get(text);
    if (seen === undefined || seen.min > min) out.set(text, { text, min, kind });
  }
  return [...out.values()];
}

/** The shortest prefix of `value` the prefix rule redacts (whole code points). */
export function guardedPrefix(value: string): string {
  const points = Array.from(value);
  const n = Math.max(MIN_GUARDED_LENGTH, Math.ceil(points.length * PREFIX_SHARE));
  return points.slice(0, Math.min(n, points.length)).join('');
}

/**
 * The base64 characters of `bytes` placed at offset `o` (mod 3) inside a longer byte string: the bits of
 * the first ceil(8o/6) characters mix in the bytes before, the bits after floor(8(o+n)/6) the bytes after.
 */
export function base64Inner(bytes: Uint8Array, o: number, alphabet: 'base64' | 'base64url'): string {
  const padded = new Uint8Array(o + bytes.length);
  padded.set(bytes, o);
  const enc = toBase64(padded, alphabet);
  return enc.slice(Math.ceil((8 * o) / 6), Math.floor((8 * (o + bytes.length)) / 6));
}

// core is pure and shared with the dashboard's type checking: no Node Buffer here, plain byte maths.
const UTF8 = new TextEncoder();

/** The UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return UTF8.encode(s);
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** RFC 4648 base64 (with `=` padding) or base64url (without), as Node's Buffer writes them. */
export function toBase64(bytes: Uint8Array, alphabet: 'base64' | 'base64url'): string {
  const table = B64 + (alphabet === 'base64' ? '+/' : '-_');
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const left = bytes.length - i;
    out += table[(n >> 18) & 63]! + table[(n >> 12) & 63]!;
    out += left > 1 ? table[(n >> 6) & 63]! : alphabet === 'base64' ? '=' : '';
    out += left > 2 ? table[n & 63]! : alphabet === 'base64' ? '=' : '';
  }
  return out;
}

function jsonEscape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Lower case, one UTF-16 unit for one (so positions in the lowered text are positions in the original). */
export function lower(s: string): string {
  const l = s.toLowerCase();
  if (l.length === s.length) return l;
  let out = '';
  for (const c of s) {
    const lc = c.toLowerCase();
    out += lc.length === c.length ? lc : c;
  }
  return out;
}
