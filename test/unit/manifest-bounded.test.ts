/** Bounded manifest input: size, string/list limits, alias bombs, UTF-8, reserved names, program and cwd checks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from '../../agent/core/errors.js';
import { MANIFEST_LIMITS } from '../../agent/core/manifest/limits.js';
import { manifestText } from '../../agent/core/manifest/text.js';
import type { PathKind } from '../../agent/core/manifest/program.js';
import { decodeUtf8, firstInvalidByte } from '../../agent/core/utf8.js';
import { FILE, onlyProblem, parse, problems, reject, yaml } from '../helpers/manifest.js';

const svc = (...lines: string[]) => yaml('services:', '  web:', '    command: [python3, app.py]', ...lines);

describe('manifest limits', () => {
  it('refuses a text over 1 MiB before parsing it', () => {
    const err = reject(svc(`    description: "${'x'.repeat(MANIFEST_LIMITS.fileBytes)}"`));
    assert.equal(err.code, 'E_MANIFEST_READ');
    assert.match(err.message, /at most 1048576 \(1 MiB\) are allowed/);
  });

  it('manifestText refuses more than 1 MiB of bytes', () => {
    assert.throws(
      () => manifestText(new Uint8Array(MANIFEST_LIMITS.fileBytes + 1), FILE),
      (e: unknown) =>
        e instanceof ManifestError && e.code === 'E_MANIFEST_READ' && /1048577 bytes/.test(e.message),
    );
  });

  it('a description over 1 KiB, at its line and key path', () => {
    const p = onlyProblem(svc(`    description: ${'d'.repeat(1025)}`));
    assert.deepEqual([p.line, p.column, p.path], [4, 18, 'services.web.description']);
    assert.equal(p.message, 'is 1025 characters long; at most 1024 are allowed');
    assert.doesNotThrow(() => parse(svc(`    description: ${'d'.repeat(1024)}`)));
  });

  it('an env value over 8 KiB and an argument over 4 KiB', () => {
    const text = yaml(
      'services:',
      '  web:',
      `    command: [python3, ${'a'.repeat(4097)}]`,
      '    env:',
      `      BIG: ${'v'.repeat(8193)}`,
    );
    assert.deepEqual(problems(text), [
      [3, 'services.web.command[1]', 'is 4097 characters long; at most 4096 are allowed'],
      [5, 'services.web.env.BIG', 'is 8193 characters long; at most 8192 are allowed'],
    ]);
  });

  it('too many arguments and too many env variables', () => {
    const args = Array.from({ length: 257 }, (_, i) => `a${i}`).join(', ');
    const env = Array.from({ length: 257 }, (_, i) => `V${i}: x`).join(', ');
    assert.deepEqual(problems(yaml('services:', '  web:', `    command: [python3, ${args}]`)), [
      [3, 'services.web.command', 'has 258 arguments; at most 256 are allowed'],
    ]);
    assert.deepEqual(problems(svc(`    env: {${env}}`)), [
      [4, 'services.web.env', 'has 257 variables; at most 256 are allowed'],
    ]);
  });

  it('a long map key anywhere', () => {
    const p = onlyProblem(svc(`    env: { ${'K'.repeat(4097)}: x }`));
    assert.deepEqual([p.line, p.path], [4, 'services.web.env']);
    assert.match(p.message, /has a key 4097 characters long/);
  });
});

describe('YAML aliases', () => {
  it('an alias bomb is a YAML problem at file:line, not an internal error', () => {
    const text = yaml(
      'services:',
      '  web:',
      '    command: [python3]',
      'x0: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
      'x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'x2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'x3: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    );
    const err = reject(text);
    assert.equal(err.code, 'E_MANIFEST_YAML');
    assert.equal(err.problems.length, 1);
    assert.deepEqual([err.problems[0]!.line, err.problems[0]!.column], [7, 38]);
    assert.match(err.problems[0]!.message, /aliases \(\*name\) expand to more than 100 copies/);
  });

  it('more than 100 aliases', () => {
    const aliases = Array.from({ length: 101 }, () => '*v').join(', ');
    const p = onlyProblem(
      yaml('services:', '  web:', '    command: [python3]', 'x: &v 1', `y: [${aliases}]`),
    );
    assert.equal(p.line, 5);
    assert.match(p.message, /more than 100 YAML aliases/);
  });

  it('a few aliases are fine', () => {
    assert.doesNotThrow(() =>
      parse(
        yaml(
          'services:',
          '  web:',
          '    command: [python3]',
          '    env: &e { A: "1" }',
          '  api:',
          '    command: [python3]',
          '    env: *e',
        ),
      ),
    );
  });
});

describe('UTF-8', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

  it('finds the first invalid byte: stray, truncated, overlong, surrogate, too large', () => {
    assert.equal(firstInvalidByte(enc('café ✓ 😀')), -1);
    assert.equal(firstInvalidByte(cat(enc('ab'), [0x80])), 2);
    assert.equal(firstInvalidByte(cat(enc('é'), [0xe2, 0x9c])), 2);
    assert.equal(firstInvalidByte(cat([0xc0, 0xaf])), 0);
    assert.equal(firstInvalidByte(cat(enc('x'), [0xe0, 0x80, 0xaf])), 1);
    assert.equal(firstInvalidByte(cat([0xed, 0xa0, 0x80])), 0);
    assert.equal(firstInvalidByte(cat([0xf4, 0x90, 0x80, 0x80])), 0);
    assert.deepEqual(decodeUtf8(cat(enc('ok'), [0xff])), { badByte: 2 });
    assert.deepEqual(decodeUtf8(enc('ok')), { text: 'ok' });
  });

  it('a manifest with an invalid byte is refused at its line, column and offset', () => {
    const bytes = cat(enc('services:\n  web:\n    description: "café '), [0xff], enc('"\n'));
    assert.throws(
      () => manifestText(bytes, FILE),
      (e: unknown) => {
        assert.ok(e instanceof ManifestError);
        assert.equal(e.code, 'E_MANIFEST_READ');
        assert.deepEqual([e.problems[0]!.line, e.problems[0]!.column], [3, 24]);
        assert.equal(e.problems[0]!.message, 'not valid UTF-8: byte 41 (0xff); save the file as UTF-8');
        return true;
      },
    );
  });
});

describe('reserved service names', () => {
  for (const name of ['agent', 'vigil', 'vigil-agent', 'vigil-web']) {
    it(`refuses "${name}" at file:line`, () => {
      const p = onlyProblem(yaml('services:', `  ${name}:`, '    command: [python3]'));
      assert.deepEqual([p.line, p.path], [2, `services.${name}`]);
      assert.match(
        p.message,
        new RegExp(`"${name}" is reserved for Vigil's own units and logs \\(agent, vigil, vigil-\\*\\)`),
      );
    });
  }
  it('accepts names that only contain vigil', () => {
    assert.doesNotThrow(() =>
      parse(
        yaml('services:', '  my-vigil:', '    command: [python3]', '  vigilant:', '    command: [python3]'),
      ),
    );
  });
});

describe('program and cwd checks (what apply needs)', () => {
  const kinds: Record<string, PathKind> = {
    '/usr/bin/python3': 'exec',
    '/srv/agent': 'directory',
    '/srv/agent/run.sh': 'file',
    '/srv/agent/data': 'directory',
    '/dev/null': 'other',
  };
  const probe = (f: string): PathKind => kinds[f] ?? 'missing';

  it('a directory, a missing program, a file without x, a non-file', () => {
    const text = yaml(
      'services:',
      '  dir:',
      '    command: [/srv/agent/data]',
      '  gone:',
      '    command: [./nothing.sh]',
      '  plain:',
      '    command: [./run.sh]',
      '  dev:',
      '    command: [/dev/null]',
    );
    assert.deepEqual(problems(text, { probe }), [
      [3, 'services.dir.command[0]', '/srv/agent/data is a directory, not a program'],
      [5, 'services.gone.command[0]', 'program /srv/agent/nothing.sh does not exist'],
      [7, 'services.plain.command[0]', '/srv/agent/run.sh is not executable (chmod +x /srv/agent/run.sh)'],
      [9, 'services.dev.command[0]', '/dev/null is not a regular file'],
    ]);
  });

  it('a missing cwd and a cwd that is a file', () => {
    const text = yaml(
      'services:',
      '  a:',
      '    command: [python3]',
      '    cwd: missing',
      '  b:',
      '    command: [python3]',
      '    cwd: run.sh',
    );
    assert.deepEqual(problems(text, { probe }), [
      [4, 'services.a.cwd', 'directory /srv/agent/missing does not exist'],
      [7, 'services.b.cwd', '/srv/agent/run.sh is not a directory'],
    ]);
  });

  it('without a probe (render, export, tests) nothing is looked at', () => {
    assert.doesNotThrow(() => parse(yaml('services:', '  a:', '    command: [python3]', '    cwd: missing')));
    assert.doesNotThrow(() =>
      parse(yaml('services:', '  a:', '    command: [python3]', '    cwd: data'), { probe }),
    );
  });
});
