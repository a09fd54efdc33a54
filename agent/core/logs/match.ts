/** Compiling and applying a log search pattern. Pure. */
import { VigilError } from '../errors.js';
import type { LogPattern } from './model.js';

export type LineMatcher =
  | { kind: 'fixed'; needle: string }
  | { kind: 'regex'; source: string; flags: string; test: (line: string) => boolean };

/** Throws VigilError E_USAGE for an empty pattern, a line break in it, or an invalid regular expression. */
export function compilePattern(p: LogPattern): LineMatcher {
  if (p.pattern === '') throw new VigilError('E_USAGE', 'the search pattern is empty');
  if (/[\n\r]/.test(p.pattern)) throw new VigilError('E_USAGE', 'the search pattern must not contain a line break');
  if (!p.regex && !p.ignoreCase) return { kind: 'fixed', needle: p.pattern };
  const source = p.regex ? p.pattern : escapeRegExp(p.pattern);
  const flags = p.ignoreCase ? 'i' : '';
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (err) {
    throw new VigilError('E_USAGE', `invalid regular expression /${p.pattern}/: ${(err as Error).message}`);
  }
  return { kind: 'regex', source, flags, test: (line) => re.test(line) };
}

export function lineMatches(m: LineMatcher, line: string): boolean {
  return m.kind === 'fixed' ? line.includes(m.needle) : m.test(line);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
