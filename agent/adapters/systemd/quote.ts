/**
 * Quoting for systemd unit files, following systemd.service(5) "COMMAND LINES", systemd.syntax(7) and the
 * specifier rules of systemd.unit(5). Checked against systemd 252 (see test/integration/systemd-manager.test.ts):
 *
 * - Exec lines: every word is double-quoted; inside, `\` and `"` are backslash-escaped and control
 *   characters are C escapes (systemd unquotes and C-unescapes each word). `$` is doubled (systemd expands
 *   $VAR / ${VAR} in Exec lines, `$$` is a literal `$`) and `%` is doubled (specifiers, resolved first).
 *   Non-ASCII UTF-8 passes through unchanged. Quoting does NOT protect the program path from being read
 *   as prefixes (`-`, `@`, `+`, `!`, `:`): systemd 252 parses `"-/bin/false"` as `-` + /bin/false. So the
 *   program must be an absolute path (it starts with `/`); anything else is refused.
 * - Environment="KEY=value": the assignment is one quoted word (unquoted and C-unescaped); `%` is doubled;
 *   `$` is NOT expanded there and stays as is.
 * - Path settings (WorkingDirectory=, StandardOutput=append:, EnvironmentFile=) take the raw rest of the line:
 *   no unquoting, only specifiers (`%` doubled). Surrounding whitespace would be stripped and a trailing
 *   backslash would continue the line, so such paths are refused. EnvironmentFile= is additionally expanded
 *   as a glob pattern, so `\ * ? [` are backslash-escaped there.
 */
import { VigilError } from '../../core/errors.js';

const C_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

function refuse(what: string, value: string, why: string): never {
  throw new VigilError(
    'E_SERVICE_MANAGER',
    `cannot write ${what} ${JSON.stringify(value)} into a systemd unit: ${why}`,
  );
}

/** Escapes the inside of a double-quoted word: `\`, `"`, `%`, control characters; `$` too when `dollar`. */
function escapeQuoted(s: string, what: string, dollar: boolean): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0) refuse(what, s, 'it contains a NUL byte');
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '%') out += '%%';
    else if (ch === '$' && dollar) out += '$$';
    else if (cp < 0x20 || cp === 0x7f) out += C_ESCAPES[ch] ?? `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** One argument of an Exec line, quoted so that the process receives it byte for byte. */
export function quoteExecArg(arg: string): string {
  return `"${escapeQuoted(arg, 'the argument', true)}"`;
}

/** A whole command line (argv[0] first) for ExecStart= and friends. */
export function quoteExecLine(argv: readonly string[]): string {
  const program = argv[0];
  if (program === undefined) refuse('the command', '', 'it is empty');
  if (!program.startsWith('/')) refuse('the program', program, 'it must be an absolute path');
  return argv.map(quoteExecArg).join(' ');
}

/** The value of an `Environment=` line: `"KEY=value"` (systemd does not expand `$` there). */
export function quoteEnvAssignment(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) refuse('the environment variable name', key, 'not a valid name');
  return `"${escapeQuoted(`${key}=${value}`, `the value of ${key}`, false)}"`;
}

/** An absolute path for WorkingDirectory=, StandardOutput=append: and similar settings. */
export function escapePath(p: string): string {
  if (/[\0\n\r]/.test(p)) refuse('the path', p, 'it contains a line break or NUL byte');
  if (!p.startsWith('/')) refuse('the path', p, 'it is not absolute');
  if (/[\s\\]$/.test(p)) refuse('the path', p, 'it ends with whitespace or a backslash');
  return p.replace(/%/g, '%%');
}

/** A path for EnvironmentFile=, which systemd expands as a glob pattern. */
export function escapeEnvFilePath(p: string): string {
  return escapePath(p).replace(/[\\*?[]/g, (c) => `\\${c}`);
}

/** Free one-line text (Description=): specifiers doubled, control characters and trailing backslashes dropped. */
export function escapeText(s: string): string {
  const oneLine = s
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim()
    .replace(/\\+$/, '')
    .trimEnd();
  return oneLine.replace(/%/g, '%%');
}
