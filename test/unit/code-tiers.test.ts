/** The agent's code tiers (agent/adapters/process/code-tiers.ts): a hot function stays in the interpreter. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const TIERS = pathToFileURL(path.resolve('agent/adapters/process/code-tiers.ts')).href;

/** V8's optimisation status bits (%GetOptimizationStatus) of a function called hot, in a fresh process. */
function statusOfHotFunction(lean: boolean): number {
  const script = `
    ${lean ? `(await import(${JSON.stringify(TIERS)})).interpretOnly();` : ''}
    function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
    for (let i = 0; i < 20000; i++) hot(100);
    process.stdout.write(String(eval('%GetOptimizationStatus(hot)')));`;
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

const OPTIMIZED = 1 << 4;
const INTERPRETED = 1 << 7;
const BASELINE = 1 << 15;

describe('interpretOnly', () => {
  it('keeps a hot function in the interpreter, which V8 otherwise compiles', () => {
    const full = statusOfHotFunction(false);
    assert.ok((full & OPTIMIZED) !== 0 || (full & BASELINE) !== 0, `compiled without it (status ${full})`);
    const lean = statusOfHotFunction(true);
    assert.ok((lean & INTERPRETED) !== 0, `interpreted (status ${lean})`);
    assert.equal(
      lean & (OPTIMIZED | BASELINE),
      0,
      `neither optimised nor baseline-compiled (status ${lean})`,
    );
  });
});
