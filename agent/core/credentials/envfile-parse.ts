/**
 * The two readers of credential files, as state machines over the text (see envfile.ts): systemd's
 * EnvironmentFile= rules and dotenv's. They return raw assignments; envfile.ts validates them. Pure.
 */
import type { EnvProblem } from './envfile.js';

const UPDATED_RE = /^#\s*updated:\s*(\S+)\s*$/;

export interface Assignment {
  key: string;
  value: string;
  line: number;
  updatedAt: number | null;
}

export interface RawParse {
  assignments: Assignment[];
  problems: EnvProblem[];
}

/**
 * systemd's EnvironmentFile= state machine (src/basic/env-file.c): comments (# or ;) only at the start of
 * a line; unquoted values keep inner whitespace and quotes, `\x` → x, trailing whitespace dropped;
 * '…' literal; "…" unescapes \" \\ \` \$ only; a quoted value may continue on the next line.
 */
export function parseSystemd(text: string): RawParse {
  const assignments: Assignment[] = [];
  const problems: EnvProblem[] = [];
  let line = 1;
  let i = 0;
  let pendingUpdated: number | null = null;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
    if (i >= n) break;
    if (text[i] === '\n') {
      i++;
      line++;
      continue;
    }
    if (text[i] === '#' || text[i] === ';') {
      const end = text.indexOf('\n', i);
      const comment = text.slice(i, end === -1 ? n : end);
      const m = UPDATED_RE.exec(comment);
      const t = m ? Date.parse(m[1]!) : NaN;
      pendingUpdated = Number.isNaN(t) ? pendingUpdated : t;
      i = end === -1 ? n : end + 1;
      line++;
      continue;
    }
    const eol = text.indexOf('\n', i);
    const eq = text.indexOf('=', i);
    if (eq === -1 || (eol !== -1 && eq > eol)) {
      problems.push({ line: startLine, message: 'not a KEY=value line' });
      i = eol === -1 ? n : eol + 1;
      line++;
      pendingUpdated = null;
      continue;
    }
    const key = text.slice(i, eq).replace(/[ \t\r]+$/, '');
    i = eq + 1;
    let value = '';
    let multiline = false;
    let trailingWs = 0;
    let state: 'pre' | 'plain' | 'single' | 'double' = 'pre';
    for (; i < n; i++) {
      const c = text[i]!;
      if (state === 'pre' || state === 'plain') {
        if (c === '\n') break;
        if (state === 'pre' && (c === ' ' || c === '\t' || c === '\r')) continue;
        if (state === 'pre' && c === "'") state = 'single';
        else if (state === 'pre' && c === '"') state = 'double';
        else if (c === '\\') {
          const next = text[i + 1];
          i++;
          if (next === undefined) break;
          if (next === '\n') {
            line++;
            multiline = true;
          } else value += next;
          trailingWs = 0;
          state = 'plain';
        } else {
          value += c;
          trailingWs = c === ' ' || c === '\t' || c === '\r' ? trailingWs + 1 : 0;
          state = 'plain';
        }
        continue;
      }
      if (state === 'single') {
        if (c === "'") state = 'pre';
        else {
          if (c === '\n') {
            line++;
            multiline = true;
          }
          value += c;
        }
        trailingWs = 0;
        continue;
      }
      // double
      if (c === '"') state = 'pre';
      else if (c === '\\') {
        const next = text[i + 1];
        i++;
        if (next === undefined) break;
        if (next === '\n') {
          line++;
          multiline = true;
        } else if ('"\\`$'.includes(next)) value += next;
        else value += `\\${next}`;
      } else {
        if (c === '\n') {
          line++;
          multiline = true;
        }
        value += c;
      }
      trailingWs = 0;
    }
    if (state === 'plain' && trailingWs > 0) value = value.slice(0, value.length - trailingWs);
    if (state === 'single' || state === 'double')
      problems.push({ line: startLine, message: `${key}: unterminated quote` });
    else if (multiline) problems.push({ line: startLine, message: `${key}: the value spans several lines` });
    else assignments.push({ key, value, line: startLine, updatedAt: pendingUpdated });
    pendingUpdated = null;
    if (i < n && text[i] === '\n') {
      i++;
      line++;
    }
  }
  return { assignments, problems };
}

/** dotenv's rules (dotenv 16 `parse`): `export ` prefix, inline `# comments` after unquoted values, "…" turns \n into a line break. */
export function parseDotenv(text: string): RawParse {
  const assignments: Assignment[] = [];
  const problems: EnvProblem[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = idx + 1;
    const l = lines[idx]!.trim();
    if (l === '' || l.startsWith('#')) continue;
    const m = /^(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(l);
    if (!m) {
      problems.push({ line: lineNo, message: 'not a KEY=value line' });
      continue;
    }
    const key = m[1]!;
    const rest = m[2]!;
    const q = rest[0];
    if (q === "'" || q === '"' || q === '`') {
      let close = findClose(rest, q);
      if (close === -1) close = rest.indexOf(q, 1);
      if (close === -1) {
        problems.push({
          line: lineNo,
          message: `${key}: the quoted value does not end on this line (multi-line values are not supported)`,
        });
        continue;
      }
      const after = rest.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        problems.push({ line: lineNo, message: `${key}: unexpected text after the closing quote` });
        continue;
      }
      let value = rest.slice(1, close);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
      assignments.push({ key, value, line: lineNo, updatedAt: null });
      continue;
    }
    const hash = rest.indexOf('#');
    assignments.push({
      key,
      value: (hash === -1 ? rest : rest.slice(0, hash)).trim(),
      line: lineNo,
      updatedAt: null,
    });
  }
  return { assignments, problems };
}

/** Index of the closing quote (a quote preceded by a backslash does not close, as in dotenv's pattern). */
function findClose(s: string, q: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === q) {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}
