/** The exports' validators: the vendored compose-spec JSON schema (ajv) and kubernetes-models' OpenAPI checks. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseManifest } from '../../agent/core/manifest/parse.js';
import type { Manifest } from '../../agent/core/manifest/model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');

const { $schema: _draft, ...schema } = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/compose-spec/compose-spec.json'), 'utf8'),
) as Record<string, unknown>;
// The file names its draft as ".../2019-09/schema#" (with a "#" ajv does not know; Ajv2019 is that draft)
// and still carries draft-04 "id" keys (see withoutIds); not strict about unknown keywords.
// Its formats are Compose's own: a duration is Go-style ("1m30s", "10s", "500ms"; not ISO 8601), and
// ports/expose/subnet_ip_address (which the export never writes) are left to docker-compose config.
const ajv = new Ajv2019({
  strict: false,
  allErrors: true,
  formats: {
    duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
    ports: true,
    expose: true,
    subnet_ip_address: true,
  },
});
const validateSpec = ajv.compile(withoutIds(schema) as object);

/** The draft-04 `"id": "#/properties/…"` annotations, which later drafts (and ajv) reject; they constrain nothing. */
function withoutIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutIds);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => !(k === 'id' && typeof x === 'string'))
      .map(([k, x]) => [k, withoutIds(x)]),
  );
}

/** Problems of a compose.yaml against the Compose Specification schema (empty: valid). */
export function composeProblems(text: string): string[] {
  const doc: unknown = parse(text);
  if (validateSpec(doc)) return [];
  return (validateSpec.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const KINDS: Record<string, new (o: never) => { validate(): void }> = {
  Deployment,
  Service,
  ConfigMap,
  Secret,
};

/** Every object of a multi-document YAML file, each validated by kubernetes-models (throws on the first bad one). */
export function validateKubernetes(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => {
    const obj = d.toJS() as Record<string, unknown>;
    const Kind = KINDS[String(obj.kind)];
    if (!Kind) throw new Error(`unexpected kind ${String(obj.kind)}`);
    new Kind(obj as never).validate();
    return obj;
  });
}

/** A manifest as `vigil export` reads it: bare program names kept as written. */
export function exportManifest(text: string, file: string): Manifest {
  return parseManifest(text, { file, which: (p) => p }).manifest;
}
