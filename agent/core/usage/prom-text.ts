/**
 * A parser for the Prometheus text exposition format (version 0.0.4) and the OpenMetrics text format's
 * sample lines: `name{label="value",…} value [timestamp]`, `# HELP` / `# TYPE` comments, escaped label
 * values (\\, \", \n), +Inf/-Inf/NaN, exemplars (`# {…}` after the value) ignored. Pure.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** `# TYPE` declarations: metric family → counter, gauge, histogram… */
  types: Record<string, string>;
  /** Lines that could not be read (1-based line numbers), for diagnostics. */
  badLines: number[];
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(s: string): number | null {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** Parses `{a="x",b="y"}` starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let p = i + 1;
  for (;;) {
    while (line[p] === ' ' || line[p] === '\t') p++;
    if (line[p] === '}') return { labels, end: p + 1 };
    const m = LABEL_RE.exec(line.slice(p));
    if (!m) return null;
    const key = m[0];
    p += key.length;
    while (line[p] === ' ') p++;
    if (line[p] !== '=') return null;
    p++;
    while (line[p] === ' ') p++;
    if (line[p] !== '"') return null;
    p++;
    let value = '';
    for (;;) {
      const c = line[p];
      if (c === undefined) return null;
      if (c === '"') break;
      if (c === '\\') {
        const n = line[p + 1];
        value += n === 'n' ? '\n' : n === '"' ? '"' : n === '\\' ? '\\' : `\\${n ?? ''}`;
        p += 2;
        continue;
      }
      value += c;
      p++;
    }
    p++;
    labels[key] = value;
    while (line[p] === ' ' || line[p] === '\t') p++;
    if (line[p] === ',') p++;
    else if (line[p] !== '}') return null;
  }
}

function parseSample(line: string): Sample | null {
  const m = NAME_RE.exec(line);
  if (!m) return null;
  const name = m[0];
  let p = name.length;
  let labels: Record<string, string> = {};
  if (line[p] === '{') {
    const parsed = parseLabels(line, p);
    if (!parsed) return null;
    labels = parsed.labels;
    p = parsed.end;
  }
  const rest = line.slice(p).trim();
  const hash = rest.indexOf(' # ');
  const fields = (hash === -1 ? rest : rest.slice(0, hash)).split(/[ \t]+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') return null;
  const value = parseValue(fields[0]!);
  if (value === null) return null;
  return { name, labels, value };
}

export function parsePrometheusText(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const badLines: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const t = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (t) types[t[1]!] = t[2]!;
      continue;
    }
    const s = parseSample(line);
    if (s) samples.push(s);
    else badLines.push(i + 1);
  }
  return { samples, types, badLines };
}

/** A stable identity for a series: name plus its labels in key order. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0
    ? name
    : `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** Counter names as exposed: prometheus_client appends `_total` (and exports `_created`). */
export function baseName(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -6) : name;
}
