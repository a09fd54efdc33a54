/**
 * The YAML side of manifest parsing: syntax errors with their lines, key paths mapped back to lines,
 * and scalars kept as written where the manifest wants strings. Pure.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ManifestProblem } from '../errors.js';

export type Loc = { line: number | null; column: number | null };
export type Locate = (p: readonly PropertyKey[]) => Loc;

/**
 * YAML syntax errors (bad indentation, duplicate keys, several documents…), each with its line. An error
 * found only at the end of the text (an unclosed bracket) is placed on the last line that has content.
 */
export function yamlProblems(doc: Document, lc: LineCounter, text: string, file: string): ManifestProblem[] {
  const lastChar = Math.max(0, text.trimEnd().length - 1);
  return doc.errors.map((e) => {
    const pos = lc.linePos(Math.min(e.pos[0], lastChar));
    const message = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : (e.message.split('\n')[0] ?? e.code);
    return { file, line: pos.line, column: pos.col, path: '', message: `invalid YAML: ${message}` };
  });
}

/** Maps a key path to the line/column of its key in the YAML source (or of its nearest ancestor). */
export function locator(doc: Document, lc: LineCounter): Locate {
  return (p) => {
    for (let n = p.length; n >= 0; n--) {
      const offset = keyOffset(doc, p.slice(0, n));
      if (offset !== null) {
        const pos = lc.linePos(offset);
        return { line: pos.line, column: pos.col };
      }
    }
    return { line: null, column: null };
  };
}

function keyOffset(doc: Document, p: readonly PropertyKey[]): number | null {
  if (p.length === 0) return doc.contents?.range?.[0] ?? null;
  const parent = p.length === 1 ? doc.contents : doc.getIn(p.slice(0, -1), true);
  const last = p[p.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((it) => isPair(it) && keyName(it.key) === String(last));
    return pair && isScalar(pair.key) ? (pair.key.range?.[0] ?? null) : null;
  }
  if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last] as Node | undefined;
    return item?.range?.[0] ?? null;
  }
  return null;
}

/** ['services', 'web', 'command', 0] → "services.web.command[0]". */
export function dotted(p: readonly PropertyKey[]): string {
  return p
    .map((k) => (typeof k === 'number' ? `[${k}]` : k === '' ? '""' : String(k)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** The name `toJS` gives a map key: "" for a null key, the text of any other scalar; null for a collection. */
function keyName(key: unknown): string | null {
  if (!isScalar(key)) return null;
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

/**
 * The service names in the order they are written. (A JS object enumerates integer-like keys first, so
 * `"42":` would otherwise jump ahead of the services written before it.)
 */
export function serviceNamesInOrder(doc: Document): string[] {
  const services = isMap(doc.contents) ? doc.contents.get('services', true) : undefined;
  if (!isMap(services)) return [];
  return services.items.map((it) => keyName(it.key)).filter((n): n is string => n !== null);
}

const STRING_FIELDS = ['description', 'cwd'];
const STRING_LISTS = ['command', 'dependsOn', 'credentials'];

/**
 * Where the manifest wants strings (argv, env values, names), a plain scalar that YAML would read as a
 * number or boolean is kept exactly as written: `PYTHON_VERSION: 3.10` stays "3.10" (not "3.1") and
 * `[litellm, --port, 4000]` stays an argv of strings (so does a `health.exec` argv). Mutates the document in place.
 */
export function keepScalarText(doc: Document): void {
  const services = isMap(doc.contents) ? doc.contents.get('services', true) : undefined;
  if (!isMap(services)) return;
  for (const pair of services.items) {
    const svc = pair.value;
    if (!isMap(svc)) continue;
    for (const field of svc.items) {
      if (!isScalar(field.key)) continue;
      const key = String(field.key.value);
      const value = field.value;
      if (STRING_FIELDS.includes(key)) asText(value);
      else if (STRING_LISTS.includes(key) && isSeq(value)) value.items.forEach(asText);
      else if (key === 'env' && isMap(value)) value.items.forEach((it) => asText(it.value));
      else if (key === 'health' && isMap(value)) {
        const exec = value.get('exec', true);
        if (isSeq(exec)) exec.items.forEach(asText);
      }
    }
  }
}

function asText(node: unknown): void {
  if (!isScalar(node)) return;
  const v: unknown = node.value;
  if (
    (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') &&
    node.source !== undefined
  ) {
    node.value = node.source;
  }
}
