/**
 * The reference in docs/ is complete (issue 15: the README starts short, the reference lives in docs/,
 * "each complete"): every command of the CLI's command table has a row in docs/cli.md's table, and every
 * key of the manifest's schemas (walked from the zod schemas themselves, so a key added there is found)
 * is named in docs/ as a key — in backticks or as `key:` in an example — and every route of the API's
 * contract is in docs/api.md with its method.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { COMMANDS, HELP } from '../../agent/cli/main.js';
import { ROUTES } from '../../agent/api/contract.js';
import { manifestShapeSchema, serviceSchema } from '../../agent/core/manifest/schema.js';
import { otlpSchema } from '../../agent/core/manifest/otlp-part.js';
import { budgetSchema, pricingSchema } from '../../agent/core/manifest/usage.js';
import { alertsSchema } from '../../agent/core/alerts/config-schema.js';
import { ROOT } from '../helpers/vigil.js';

const DOCS = path.join(ROOT, 'docs');

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  getter?: () => z.ZodType;
}

/** Every object key under a schema, as a dotted path (`*` for a record's key, `[]` for a list's item). */
function keyPaths(schema: z.ZodType, at: string, out = new Map<string, string>(), seen = new Set<unknown>()) {
  if (seen.has(schema)) return out;
  const inner = new Set(seen).add(schema);
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const walk = (s: z.ZodType | undefined, p: string) => s && keyPaths(s, p, out, inner);
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        const p = at ? `${at}.${k}` : k;
        out.set(p, k);
        walk(v, p);
      }
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      walk(def.innerType, at);
      break;
    case 'pipe':
      walk(def.in, at);
      walk(def.out, at);
      break;
    case 'union':
      for (const o of def.options ?? []) walk(o, at);
      break;
    case 'intersection':
      walk(def.left, at);
      walk(def.right, at);
      break;
    case 'record':
      walk(def.valueType, `${at}.*`);
      break;
    case 'array':
      walk(def.element, `${at}[]`);
      break;
    case 'lazy':
      walk(def.getter?.(), at);
      break;
  }
  return out;
}

const docsText = () =>
  readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(path.join(DOCS, f), 'utf8'))
    .join('\n');

describe('docs/ is the complete reference', () => {
  it("every command of the CLI's command table has a row in docs/cli.md's table", () => {
    const rows = readFileSync(path.join(DOCS, 'cli.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| `vigil '));
    // A row names its commands first: `vigil start\|stop\|restart NAME…`, `vigil budget status` / …
    const documented = new Set(
      rows.flatMap((r) => (/^\| `vigil ([a-z\\|]+)/.exec(r)?.[1] ?? '').split('\\|').filter(Boolean)),
    );
    const missing = Object.keys(COMMANDS).filter((c) => !documented.has(c));
    assert.deepEqual(missing, [], `commands without a row in docs/cli.md: ${missing.join(', ')}`);
  });

  it('every key of the manifest schema is named in docs/ (in backticks or as key: in an example)', () => {
    const keys = new Map<string, string>();
    const schemas: [z.ZodType, string][] = [
      [manifestShapeSchema, ''],
      [serviceSchema, 'services.*'],
      [otlpSchema, 'otlp'],
      [pricingSchema, 'pricing'],
      [budgetSchema, 'budget'],
      [alertsSchema, 'alerts'],
    ];
    for (const [s, at] of schemas) keyPaths(s, at, keys);
    assert.ok(keys.size > 100, `the walk found the schema's keys (${keys.size})`);
    const text = docsText();
    const named = (k: string) =>
      text.includes(`\`${k}\``) ||
      new RegExp(`\`[^\`\\n]*\\b${k}\\b[^\`\\n]*\``).test(text) ||
      new RegExp(`(^|[\\s{,])${k}:`, 'm').test(text);
    const missing = [...keys].filter(([, k]) => !named(k)).map(([p]) => p);
    assert.deepEqual(missing, [], `manifest keys not named in docs/: ${missing.join(', ')}`);
  });

  it("every route of the API's contract is in docs/api.md, with its method", () => {
    const text = readFileSync(path.join(DOCS, 'api.md'), 'utf8');
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const missing = Object.values(ROUTES)
      .map((r) => `${r.method} ${r.path}`)
      .filter((route) => {
        const [method, p] = route.split(' ') as [string, string];
        // A parameter is written <name> (or the verbs it takes: start\|stop\|restart).
        const re = p
          .split('/')
          .map((seg) => (seg.startsWith(':') ? '[^\\s/`?]+' : esc(seg)))
          .join('/');
        return !new RegExp(`${method} ${re}(?=[\\s\`?])`).test(text);
      });
    assert.deepEqual(missing, [], `routes not in docs/api.md: ${missing.join(', ')}`);
  });

  it('every page of docs/ is linked from README.md and from docs/README.md', () => {
    const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const index = readFileSync(path.join(DOCS, 'README.md'), 'utf8');
    const missing = [
      ...pages.filter((f) => !readme.includes(`](docs/${f}`)).map((f) => `README.md → docs/${f}`),
      ...pages.filter((f) => !index.includes(`](${f}`)).map((f) => `docs/README.md → ${f}`),
    ];
    assert.deepEqual(missing, [], `pages not linked: ${missing.join(', ')}`);
  });

  it('every option named in vigil --help is in docs/', () => {
    const text = docsText();
    const flags = [...new Set(HELP.match(/--[a-z][a-z-]*/g) ?? [])];
    assert.ok(flags.length > 20, `flags found in HELP: ${flags.length}`);
    const missing = flags.filter((f) => !new RegExp(`${f}(?![a-z-])`).test(text));
    assert.deepEqual(missing, [], `options of vigil --help not in docs/: ${missing.join(', ')}`);
  });
});
