/**
 * Bounds on manifest input, checked before anything is built from it: the file's size (before YAML
 * parsing), every string (before `toJS`), the list and map sizes that end up in a unit file, and YAML
 * aliases. A 10 MB description used to pass validation and break `systemctl enable`; every figure here
 * is far above any real manifest and far below what makes systemd, D-Bus or the CLI struggle. Pure.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ManifestProblem } from '../errors.js';
import { dotted } from './source.js';

export const MANIFEST_LIMITS = {
  /** The manifest file, in bytes (checked before it is read whole). */
  fileBytes: 1024 * 1024,
  /** `description`, in characters. */
  description: 1024,
  /** One environment variable value, in characters. */
  envValue: 8 * 1024,
  /** Environment variables of one service. */
  envVars: 256,
  /** Arguments of one argv (`command`, `health.exec`). */
  argvItems: 256,
  /** Any other string (one argument, a path, a URL, a name, a map key), in characters. */
  string: 4096,
  /** YAML aliases (`*name`) in the whole manifest: an alias bomb expands exponentially. */
  aliases: 100,
} as const;

type Path = (string | number)[];

/**
 * Every string, list and alias limit broken, each at its line and key path. Walks the YAML nodes (so a
 * long string is found without building the JS value, and an alias is counted, not expanded).
 */
export function limitProblems(doc: Document, lc: LineCounter, file: string): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  let aliases = 0;
  const at = (node: Node | null | undefined, p: Path, message: string) => {
    const pos = node?.range ? lc.linePos(node.range[0]) : null;
    out.push({ file, line: pos?.line ?? null, column: pos?.col ?? null, path: dotted(p), message });
  };
  const visit = (node: unknown, p: Path): void => {
    if (isAlias(node)) {
      aliases++;
      if (aliases === MANIFEST_LIMITS.aliases + 1)
        at(node, p, `more than ${MANIFEST_LIMITS.aliases} YAML aliases (*name); write the values out`);
      return;
    }
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return;
      const max = stringLimit(p);
      if (node.value.length > max)
        at(node, p, `is ${node.value.length} characters long; at most ${max} are allowed`);
      return;
    }
    if (isSeq(node)) {
      if (isArgv(p) && node.items.length > MANIFEST_LIMITS.argvItems)
        at(node, p, `has ${node.items.length} arguments; at most ${MANIFEST_LIMITS.argvItems} are allowed`);
      node.items.forEach((it, i) => visit(it, [...p, i]));
      return;
    }
    if (isMap(node)) {
      if (isEnv(p) && node.items.length > MANIFEST_LIMITS.envVars)
        at(node, p, `has ${node.items.length} variables; at most ${MANIFEST_LIMITS.envVars} are allowed`);
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (
          isScalar(pair.key) &&
          typeof pair.key.value === 'string' &&
          pair.key.value.length > MANIFEST_LIMITS.string
        ) {
          at(
            pair.key,
            p,
            `has a key ${pair.key.value.length} characters long; at most ${MANIFEST_LIMITS.string} are allowed`,
          );
          continue;
        }
        if (isAlias(pair.key)) visit(pair.key, p);
        visit(pair.value, [...p, key]);
      }
    }
  };
  visit(doc.contents, []);
  return out;
}

/**
 * `toJS` refused to expand the aliases (yaml's maxAliasCount, counted over the expansion: an alias bomb
 * with few `*name`s): one problem at the last alias written, where the expansion is largest.
 */
export function aliasBombProblem(doc: Document, lc: LineCounter, file: string): ManifestProblem {
  let last: Node | null = null;
  const find = (node: unknown): void => {
    if (isAlias(node)) last = node;
    else if (isSeq(node)) node.items.forEach(find);
    else if (isMap(node))
      for (const pair of node.items)
        if (isPair(pair)) {
          find(pair.key);
          find(pair.value);
        }
  };
  find(doc.contents);
  const range = (last as Node | null)?.range;
  const pos = range ? lc.linePos(range[0]) : null;
  return {
    file,
    line: pos?.line ?? null,
    column: pos?.col ?? null,
    path: '',
    message: `invalid YAML: the aliases (*name) expand to more than ${MANIFEST_LIMITS.aliases} copies; write the values out`,
  };
}

function stringLimit(p: Path): number {
  if (p.length === 3 && p[0] === 'services' && p[2] === 'description') return MANIFEST_LIMITS.description;
  if (p.length === 4 && p[0] === 'services' && p[2] === 'env') return MANIFEST_LIMITS.envValue;
  return MANIFEST_LIMITS.string;
}

const isArgv = (p: Path): boolean =>
  p[0] === 'services' &&
  ((p.length === 3 && p[2] === 'command') || (p.length === 4 && p[2] === 'health' && p[3] === 'exec'));
const isEnv = (p: Path): boolean => p.length === 3 && p[0] === 'services' && p[2] === 'env';
