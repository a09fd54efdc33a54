/**
 * Splitting command lines and reading durations and sizes as the source formats write them. Pure.
 *
 * - systemd (systemd.syntax(7), systemd.service(5) "COMMAND LINES"): words separated by whitespace;
 *   "double" and 'single' quotes; C escapes (\n, \t, \", \\, \xNN) inside and outside quotes; `%%` is a
 *   literal `%` (other specifiers are not resolved: reported); `$$` is a literal `$`, `$VAR` / `${VAR}` is
 *   expanded by systemd at start (reported: Vigil does not expand).
 * - POSIX shell words (docker-compose `command: "..."`, PM2 `args: "..."`): quotes and backslashes only.
 */

const C_UNESCAPE: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  s: ' ',
};

export interface SplitResult {
  words: string[];
  /** `$VAR` references and specifiers left as written (they would need expansion). */
  unexpanded: string[];
  error?: string;
}

/** systemd's Exec line (after its prefix characters). */
export function splitSystemd(line: string): SplitResult {
  const words: string[] = [];
  const unexpanded: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    let word = '';
    let quote: '"' | "'" | null = null;
    for (; i < n; i++) {
      const ch = line[i]!;
      if (quote === null && /\s/.test(ch)) break;
      if (quote === null && (ch === '"' || ch === "'")) {
        quote = ch;
        continue;
      }
      if (quote !== null && ch === quote) {
        quote = null;
        continue;
      }
      if (ch === '\\') {
        const next = line[i + 1];
        if (next === undefined) return { words, unexpanded, error: 'ends with a backslash' };
        if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
          continue;
        }
        word += C_UNESCAPE[next] ?? next;
        i++;
        continue;
      }
      if (ch === '%') {
        if (line[i + 1] === '%') {
          word += '%';
          i++;
          continue;
        }
        unexpanded.push(`%${line[i + 1] ?? ''}`);
        word += ch;
        continue;
      }
      if (ch === '$') {
        if (line[i + 1] === '$') {
          word += '$';
          i++;
          continue;
        }
        const m = /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(i));
        if (m) unexpanded.push(m[0]);
      }
      word += ch;
    }
    if (quote !== null) return { words, unexpanded, error: `an unterminated ${quote} quote` };
    words.push(word);
  }
  return { words, unexpanded };
}

/** POSIX shell words: whitespace, '…' (literal), "…" (with \" \\ \$), backslash outside quotes. */
export function splitShell(line: string): SplitResult {
  const words: string[] = [];
  const unexpanded: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    let word = '';
    let quote: '"' | "'" | null = null;
    for (; i < n; i++) {
      const ch = line[i]!;
      if (quote === "'") {
        if (ch === "'") quote = null;
        else word += ch;
        continue;
      }
      if (quote === null && /\s/.test(ch)) break;
      if (quote === null && (ch === '"' || ch === "'")) {
        quote = ch;
        continue;
      }
      if (quote === '"' && ch === '"') {
        quote = null;
        continue;
      }
      if (ch === '\\' && i + 1 < n && (quote === null || '"\\$`'.includes(line[i + 1]!))) {
        word += line[++i];
        continue;
      }
      if (ch === '$' && /^\$(\{?[A-Za-z_])/.test(line.slice(i)))
        unexpanded.push(line.slice(i).split(/\s/)[0]!);
      word += ch;
    }
    if (quote !== null) return { words, unexpanded, error: `an unterminated ${quote} quote` };
    words.push(word);
  }
  return { words, unexpanded };
}

const SPAN_UNITS: Readonly<Record<string, number>> = {
  us: 1e-6,
  usec: 1e-6,
  ms: 1e-3,
  msec: 1e-3,
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};

/**
 * A time span in seconds: systemd's ("5", "5s", "500ms", "1min 30s"; a bare number is seconds) and
 * compose's ("1m30s", "10s", "500ms"). null when it is not one ("infinity" included).
 */
export function parseSpanSec(v: string): number | null {
  const s = v.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s)) !== null) {
    const f = SPAN_UNITS[m[2]!];
    if (f === undefined) return null;
    total += Number(m[1]) * f;
    end = re.lastIndex;
    while (s[end] === ' ') end++;
    re.lastIndex = end;
  }
  return end === s.length ? total : null;
}

/**
 * A size in bytes, with the decimal-looking units the formats use as binary (systemd's K/M/G/T,
 * compose's b/k/m/g and kb/mb/gb, PM2's K/M/G): all 1024-based, as each of them reads them.
 */
export function parseSizeBytes(v: string | number): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0 ? v : null;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) return null;
  const f = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
  const bytes = Math.round(Number(m[1]) * f);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** A service name the manifest accepts, from a unit name, a label, a compose or PM2 name. */
export function serviceNameOf(raw: string): string {
  let name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (name === '') name = 'service';
  if (!/^[a-z0-9]/.test(name)) name = `s-${name}`;
  if (name === 'agent' || name === 'vigil' || name.startsWith('vigil-')) name = `imported-${name}`;
  return name.slice(0, 48).replace(/-+$/, '');
}
