/** Helpers for manifest tests: YAML from numbered lines, and the problems of a manifest that must fail. */
import assert from 'node:assert/strict';
import { ManifestError, type ManifestProblem } from '../../agent/core/errors.js';
import type { LoadedManifest } from '../../agent/core/manifest/model.js';
import { parseManifest, type ParseOptions } from '../../agent/core/manifest/parse.js';

export const FILE = '/srv/agent/vigil.yaml';

/** Resolves every program to /usr/bin/<name>, except "missing-prog". */
export const fakeWhich = (program: string): string | null =>
  program === 'missing-prog' ? null : `/usr/bin/${program}`;

/** Lines → YAML text; the first argument is line 1, so line numbers in assertions read off the call. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export function parse(text: string, opts: Partial<ParseOptions> = {}): LoadedManifest {
  return parseManifest(text, { file: FILE, which: fakeWhich, ...opts });
}

/** Parses text that must be rejected; returns the error. */
export function reject(text: string, opts: Partial<ParseOptions> = {}): ManifestError {
  try {
    parse(text, opts);
  } catch (err) {
    assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
    for (const p of err.problems) assert.equal(p.file, opts.file ?? FILE);
    return err;
  }
  return assert.fail('expected the manifest to be rejected');
}

/** Problems as compact [line, path, message] triples. */
export function problems(text: string, opts: Partial<ParseOptions> = {}): [number | null, string, string][] {
  return reject(text, opts).problems.map((p: ManifestProblem) => [p.line, p.path, p.message]);
}

/** The single problem of a manifest with exactly one. */
export function onlyProblem(text: string, opts: Partial<ParseOptions> = {}): ManifestProblem {
  const err = reject(text, opts);
  assert.equal(err.problems.length, 1, `expected one problem, got:\n${err.message}`);
  return err.problems[0]!;
}
