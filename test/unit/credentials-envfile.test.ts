/** The credential file syntax: what Vigil writes is read back byte for byte by our systemd-rules parser and by dotenv. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  keyProblem,
  parseEnv,
  quoteValue,
  serializeSet,
  setNameProblem,
  valueProblem,
  type CredentialEntry,
} from '../../agent/core/credentials/envfile.js';
import { CREDENTIAL_SET_RE } from '../../agent/core/manifest/schema.js';
import { TRICKY_VALUES } from '../helpers/credentials.js';

const dotenv = createRequire(import.meta.url)('dotenv') as { parse(src: string): Record<string, string> };

function entries(values: Record<string, string>): CredentialEntry[] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value,
    updatedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  }));
}

describe('credential file syntax', () => {
  it('serializes every tricky value so that both systemd rules and dotenv read the same bytes back', () => {
    const text = serializeSet('core', entries(TRICKY_VALUES));
    const ours = parseEnv(text, 'systemd');
    assert.deepEqual(ours.problems, []);
    assert.deepEqual(Object.fromEntries(ours.entries.map((e) => [e.key, e.value])), TRICKY_VALUES);
    assert.deepEqual(dotenv.parse(text), TRICKY_VALUES, 'dotenv reads exactly the same values');
    assert.ok(
      ours.entries.every((e) => e.updatedAt === Date.UTC(2026, 0, 2, 3, 4, 5)),
      'the # updated: comments date each key',
    );
  });

  it('writes simple values unquoted, others single-quoted, a single quote in double quotes', () => {
    assert.equal(quoteValue('sk-abc_123'), 'sk-abc_123');
    assert.equal(quoteValue(''), '');
    assert.equal(quoteValue('a b'), "'a b'");
    assert.equal(quoteValue('a\\b'), "'a\\b'");
    assert.equal(quoteValue("it's"), `"it's"`);
  });

  it('refuses line breaks, NUL, control characters and quote mixes that readers would disagree on', () => {
    assert.match(valueProblem('a\nb')!, /line break/);
    assert.match(valueProblem('a\rb')!, /line break/);
    assert.match(valueProblem('a\0b')!, /NUL/);
    assert.match(valueProblem('a\x1bb')!, /control character U\+001B/);
    assert.match(valueProblem(`it's "x"`)!, /single quote together with a double quote or a backslash/);
    assert.match(valueProblem(`it's \\x`)!, /single quote/);
    assert.match(valueProblem('\ud800x')!, /lone surrogate/);
    assert.match(valueProblem('\ufeffx')!, /U\+FEFF/);
    assert.match(valueProblem('x'.repeat(20_000))!, /longer than/);
    assert.equal(valueProblem('tab\tis fine 🔑'), null);
    assert.throws(() => serializeSet('core', [{ key: 'K', value: 'a\nb', updatedAt: null }]), /line break/);
  });

  it('the error never contains the value', () => {
    const secret = 'sk-canary-\n-value';
    assert.ok(!valueProblem(secret)!.includes('canary'));
  });

  it('keys are [A-Z_][A-Z0-9_]*; set names follow the manifest rule', () => {
    assert.equal(keyProblem('OPENAI_API_KEY'), null);
    assert.equal(keyProblem('_X1'), null);
    for (const bad of ['lower', '1ABC', 'A-B', 'A B', '', 'A=B']) assert.notEqual(keyProblem(bad), null, bad);
    for (const name of ['anthropic', 'a', 'x_y-1', 'A', '-x', 'a'.repeat(64), 'a'.repeat(65)])
      assert.equal(
        setNameProblem(name) === null,
        CREDENTIAL_SET_RE.test(name),
        `the store and the manifest agree on "${name}"`,
      );
    assert.equal(setNameProblem('anthropic'), null);
    for (const bad of ['../x', 'A', '.hidden', 'a/b', '']) assert.notEqual(setNameProblem(bad), null, bad);
  });

  it('reads a hand-edited file the way systemd does', () => {
    const text = [
      '# comment',
      '; also a comment',
      '  INDENTED = spaced value  ',
      'CONCAT=\'a\'"b"',
      'ESC=a\\ b\\#c',
      'DQ="x \\" \\$ \\\\ \\n y"',
      'INLINE=value # not a comment for systemd',
      'DUP=1',
      'DUP=2',
      'export EXPORTED=1',
      'junk line',
      "OPEN='never closed",
    ].join('\n');
    const r = parseEnv(text, 'systemd');
    const got = Object.fromEntries(r.entries.map((e) => [e.key, e.value]));
    assert.deepEqual(got, {
      INDENTED: 'spaced value',
      CONCAT: 'ab',
      ESC: 'a b#c',
      DQ: 'x " $ \\ \\n y',
      INLINE: 'value # not a comment for systemd',
      DUP: '2',
    });
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [10, 11, 12],
      'a key with a space (export X), a line without =, and an unterminated quote are reported by line',
    );
  });

  it('imports dotenv files: export, inline comments, quotes, \\n expansion refused as a line break', () => {
    const text = [
      '# c',
      'export A=1',
      'B = two # comment',
      "C='x # y'",
      'D="q \\" r"',
      'E="multi\\nline"',
      'lower=x',
      '',
    ].join('\r\n');
    const r = parseEnv(text, 'dotenv');
    assert.deepEqual(Object.fromEntries(r.entries.map((e) => [e.key, e.value])), {
      A: '1',
      B: 'two',
      C: 'x # y',
      D: 'q \\" r',
    });
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [6, 7],
    );
    const d = dotenv.parse(text);
    for (const e of r.entries) assert.equal(d[e.key], e.value, `dotenv agrees on ${e.key}`);
  });

  it('a random value either round-trips through both readers or is refused (1000 cases)', () => {
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '\t',
      '#',
      '$',
      '\\',
      '"',
      "'",
      '`',
      '=',
      ';',
      '!',
      '*',
      'é',
      '🔑',
      '{',
      '}',
      '\n',
      '\x01',
    ];
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let written = 0;
    for (let i = 0; i < 1000; i++) {
      const value = Array.from({ length: 1 + rnd(12) }, () => alphabet[rnd(alphabet.length)]).join('');
      if (valueProblem(value) !== null) continue;
      written++;
      const text = serializeSet('s', [{ key: 'K', value, updatedAt: null }]);
      assert.equal(parseEnv(text, 'systemd').entries[0]?.value, value, JSON.stringify(value));
      assert.equal(dotenv.parse(text).K, value, `dotenv: ${JSON.stringify(value)}`);
    }
    assert.ok(written > 300, `only ${written} values were writable`);
  });
});
