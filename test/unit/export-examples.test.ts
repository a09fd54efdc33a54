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

describe('examples/export: the exports of examples/vigil.yaml', () => {
  it('compose: committed byte for byte, and valid against the compose-spec schema', () => {
    const dir = path.join(ROOT, 'examples/export/compose');
    const files = renderCompose(manifest, dir);
    sameAsCommitted(files, dir);
    const compose = files.find((f) => f.path === 'compose.yaml')!;
    assert.deepEqual(composeProblems(compose.text), []);
  });

  it('kubernetes: committed byte for byte, and every object passes OpenAPI validation', () => {
    const dir = path.join(ROOT, 'examples/export/kubernetes');
    const files = renderKubernetes(manifest);
    sameAsCommitted(files, dir);
    const kinds = files.flatMap((f) => validateKubernetes(f.text).map((o) => o.kind));
    assert.equal(kinds.filter((k) => k === 'Deployment').length, manifest.services.length);
    assert.equal(kinds.filter((k) => k === 'Secret').length, 5);
  });

  it('the schema validation can fail: a bad restart value and a bad probe are caught', () => {
    const compose = renderCompose(manifest, path.join(ROOT, 'examples/export/compose'))[0]!.text;
    assert.notDeepEqual(composeProblems(compose.replace('restart: always', 'restart: [always]')), []);
    const k8s = renderKubernetes(manifest)[0]!.text;
    assert.throws(() => validateKubernetes(k8s.replace('periodSeconds: 15', 'periodSeconds: soon')));
  });
});

describe('examples/export-demo: the exports of the demo stack (`vigil demo`)', () => {
  const demoFile = path.join(ROOT, 'examples/export-demo/vigil.yaml');

  it("the committed manifest is the demo's, with fixed paths and ports", () => {
    assert.equal(
      readFileSync(demoFile, 'utf8'),
      demoManifest(DEMO_EXAMPLE),
      'examples/export-demo/vigil.yaml is stale: regenerate it (scripts/demo-example.ts says how)',
    );
  });

  const demo = exportManifest(demoManifest(DEMO_EXAMPLE), demoFile);

  it('compose: committed byte for byte, and valid against the compose-spec schema', () => {
    const dir = path.join(ROOT, 'examples/export-demo/compose');
    const files = renderCompose(demo, dir);
    sameAsCommitted(files, dir);
    assert.deepEqual(composeProblems(files.find((f) => f.path === 'compose.yaml')!.text), []);
  });

  it('kubernetes: committed byte for byte, and every object passes OpenAPI validation', () => {
    const dir = path.join(ROOT, 'examples/export-demo/kubernetes');
    const files = renderKubernetes(demo);
    sameAsCommitted(files, dir);
    const kinds = files.flatMap((f) => validateKubernetes(f.text).map((o) => o.kind));
    assert.equal(kinds.filter((k) => k === 'Deployment').length, demo.services.length);
  });
});
