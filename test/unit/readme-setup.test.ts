/** The README's set-up commands as the demo e2e test reads them (test/helpers/readme.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeSetupCommands } from '../helpers/readme.js';
import { ROOT } from '../helpers/vigil.js';

describe('readmeSetupCommands', () => {
  test('the commands of the first sh block under "## Try it", comments dropped', () => {
    const md = [
      '# X',
      '```sh',
      'not this',
      '```',
      '## Try it',
      'Text.',
      '```sh',
      'npm ci             # installs',
      '',
      'npx vigil demo     # the demo',
      '```',
      '```sh',
      'nor this',
      '```',
      '## Next',
    ].join('\n');
    assert.deepEqual(readmeSetupCommands(md), [
      ['npm', 'ci'],
      ['npx', 'vigil', 'demo'],
    ]);
  });

  test('no section, no block, an unclosed block or a shell construct: an error naming the README line', () => {
    assert.throws(() => readmeSetupCommands('# X\n'), /no "## Try it" section/);
    assert.throws(() => readmeSetupCommands('## Try it\ntext\n## Next\n```sh\na\n```\n'), /no ```sh block/);
    assert.throws(() => readmeSetupCommands('## Try it\n```sh\nnpm ci\n'), /not closed/);
    assert.throws(
      () => readmeSetupCommands('## Try it\n\n```sh\nnpm ci && npx vigil demo\n```\n'),
      /README\.md line 4: "npm ci && npx vigil demo" is not a plain command/,
    );
  });

  test("this README's: npm ci, then npx vigil demo", () => {
    assert.deepEqual(readmeSetupCommands(readFileSync(path.join(ROOT, 'README.md'), 'utf8')), [
      ['npm', 'ci'],
      ['npx', 'vigil', 'demo'],
    ]);
  });
});
