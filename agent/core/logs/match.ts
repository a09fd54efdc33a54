/** Compiling and applying a log search pattern. Pure. */
import { VigilError } from '../errors.js';
import type { LogPattern } from './model.js';

export type LineMatcher =
  | { kind: 'fixed'; needle: string }
  | { kind: 'regex'; source: string; flags: string; test: (line: string) => boolean };

/** Throws VigilError E_USAGE for an empty pattern, a line break in it, or an invalid regular expression. */
export function compilePattern(p: LogPattern): LineMatcher {
  if (p.pattern === '') throw new VigilError('E_USAGE', 'the search pattern is empty');
  if (/[\n\r]/.test(p.pattern))
    throw new VigilError('E_USAGE', 'the search pattern must not contain a line break');
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

/**
 * A literal every match of the regular expression `source` must contain (the longest such run found),
 * or null. Conservative: only text outside groups and classes, in a pattern without a top-level `|`;
 * a character made optional by ?, * or {0,…} ends a run without being part of it. With it, a search can
 * find candidate lines with a fast byte search and run the expression on those lines only.
 */
/** The index of the `]` closing the character class that opens at `i` (a `]` first in it is literal). */
function classEnd(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === '^') j++;
  if (source[j] === ']') j++;
  for (; j < source.length && source[j] !== ']'; j++) if (source[j] === '\\') j++;
  return j;
}

const QUANTIFIER_RE = /^\{\d+(?:,\d*)?\}/;

export function requiredLiteral(source: string): string | null {
  let depth = 0;
  let best = '';
  let run = '';
  const end = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    let lit: string | null = null;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return null;
      i++;
      if (/[\\^$.*+?()[\]{}|/-]/.test(e)) lit = e;
      else if (e === 'u' || e === 'x' || e === 'c' || /[0-9kpP]/.test(e))
        return depth === 0 && best.length > 0 ? best : null;
    } else if (c === '(') {
      end();
      depth++;
      continue;
    } else if (c === ')') {
      depth--;
      continue;
    } else if (c === '[') {
      end();
      i = classEnd(source, i);
      continue;
    } else if (c === '|') {
      if (depth === 0) return null;
      continue;
    } else if (c === '{' && QUANTIFIER_RE.test(source.slice(i))) {
      end();
      i += QUANTIFIER_RE.exec(source.slice(i))![0].length - 1;
      continue;
    } else if (!'.^$*+?'.includes(c)) {
      lit = c;
    }
    const next = source[i + 1];
    const quantified = next === '{' && QUANTIFIER_RE.test(source.slice(i + 1));
    const optional = next === '?' || next === '*' || (quantified && /^\{0+[,}]/.test(source.slice(i + 1)));
    if (lit === null || depth > 0) {
      end();
      continue;
    }
    if (optional) {
      end();
      continue;
    }
    run += lit;
    if (next === '+' || quantified) end(); // repeated: the run cannot go on past it
  }
  end();
  return best.length > 0 ? best : null;
}

/** Top-level `|` positions split a source into branches (outside groups and classes). */
function splitTopLevel(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(source, i);
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(source.slice(from, i));
      from = i + 1;
    }
  }
  out.push(source.slice(from));
  return out;
}

/**
 * Literals at least one of which every match contains (each at least `min` characters), or null: the
 * single required literal, or one per branch of an alternation (`error|warn`, `^(?:timeout|refused)$`).
 */
export function requiredLiterals(source: string, min = 3): string[] | null {
  const one = requiredLiteral(source);
  if (one !== null && one.length >= min) return [one];
  // A whole pattern that is one group (optionally anchored): look inside it.
  const inner = /^\^?\((?:\?:)?(.*)\)\$?$/s.exec(source)?.[1];
  const body =
    inner !== undefined && splitTopLevel(`(${inner})`).length === 1 && balanced(inner) ? inner : source;
  const branches = splitTopLevel(body);
  if (branches.length < 2) return null;
  const lits: string[] = [];
  for (const b of branches) {
    const lit = requiredLiteral(b);
    if (lit === null || lit.length < min) return null;
    lits.push(lit);
  }
  return [...new Set(lits)];
}

/** Parentheses outside classes and escapes never close more than they opened. */
function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(s, i);
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
