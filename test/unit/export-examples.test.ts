/**
 * The committed exports of examples/vigil.yaml (examples/export/) and of the demo stack
 * (examples/export-demo/) are what the renderers write today, byte for byte, and pass the Compose
 * Specification schema and Kubernetes' OpenAPI validation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { renderCompose } from '../../agent/core/export/compose.js';
import { renderKubernetes } from '../../agent/core/export/kubernetes.js';
import type { ExportFile } from '../../agent/core/export/paths.js';
import { demoManifest } from '../../agent/cli/demo/manifest.js';
import { DEMO_EXAMPLE } from '../../scripts/demo-example.js';
import { composeProblems, exportManifest, ROOT, validateKubernetes } from '../helpers/export.js';

const file = path.join(ROOT, 'examples/vigil.yaml');
const manifest = exportManifest(readFileSync(file, 'utf8'), file);

function committed(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function sameAsCommitted(files: ExportFile[], dir: string): void {
  assert.deepEqual(
    committed(dir),
    files.map((f) => f.path).sort(),
    `${dir}: the files (run: vigil export … -f examples/vigil.yaml -o ${path.relative(ROOT, dir)})`,
  );
  for (const f of files)
    assert.equal(
      readFileSync(path.join(dir, f.path), 'utf8'),
      f.text,
      `${path.relative(ROOT, path.join(dir, f.path))} is stale: regenerate it with vigil export`,
    );
}

const demoFile = path.join(ROOT, 'examples/export-demo/vigil.yaml');

/** Each committed example: its manifest, where its exports are, and how many Secrets its sets give. */
const EXAMPLES = [
  {
    title: 'examples/export: the exports of examples/vigil.yaml',
    manifest,
    dir: 'examples/export',
    secrets: 5,
  },
  {
    title: 'examples/export-demo: the exports of the demo stack (`vigil demo`)',
    manifest: exportManifest(demoManifest(DEMO_EXAMPLE), demoFile),
    dir: 'examples/export-demo',
    secrets: undefined,
  },
];

for (const ex of EXAMPLES) {
  describe(ex.title, () => {
    it('compose: committed byte for byte, and valid against the compose-spec schema', () => {
      const dir = path.join(ROOT, ex.dir, 'compose');
      const files = renderCompose(ex.manifest, dir);
      sameAsCommitted(files, dir);
      assert.deepEqual(composeProblems(files.find((f) => f.path === 'compose.yaml')!.text), []);
    });

    it('kubernetes: committed byte for byte, and every object passes OpenAPI validation', () => {
      const dir = path.join(ROOT, ex.dir, 'kubernetes');
      const files = renderKubernetes(ex.manifest);
      sameAsCommitted(files, dir);
      const kinds = files.flatMap((f) => validateKubernetes(f.text).map((o) => o.kind));
      assert.equal(kinds.filter((k) => k === 'Deployment').length, ex.manifest.services.length);
      if (ex.secrets !== undefined) assert.equal(kinds.filter((k) => k === 'Secret').length, ex.secrets);
    });
  });
}

describe('the committed examples can go stale, and the checks can fail', () => {
  it("the demo's committed manifest is the demo's, with fixed paths and ports", () => {
    assert.equal(
      readFileSync(demoFile, 'utf8'),
      demoManifest(DEMO_EXAMPLE),
      'examples/export-demo/vigil.yaml is stale: regenerate it (scripts/demo-example.ts says how)',
    );
  });

  it('the schema validation can fail: a bad restart value and a bad probe are caught', () => {
    const compose = renderCompose(manifest, path.join(ROOT, 'examples/export/compose'))[0]!.text;
    assert.notDeepEqual(composeProblems(compose.replace('restart: always', 'restart: [always]')), []);
    const k8s = renderKubernetes(manifest)[0]!.text;
    assert.throws(() => validateKubernetes(k8s.replace('periodSeconds: 15', 'periodSeconds: soon')));
  });
});
