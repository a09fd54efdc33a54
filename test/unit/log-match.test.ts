import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compilePattern,
  escapeRegExp,
  lineMatches,
  requiredLiteral,
  requiredLiterals,
} from '../../agent/core/logs/match.js';

test('requiredLiteral: the longest text every match must contain, or null when unsure', () => {
  const cases: [string, string | null][] = [
    ['NEEDLE-[0-9]*7', 'NEEDLE-'],
    ['"needle":"NEEDLE-\\d+"', '"needle":"NEEDLE-'],
    ['^ERROR .* timeout$', ' timeout'],
    ['\\d{123}x', 'x'],
    ['a{2}bc', 'bc'],
    ['{literal}', '{literal}'],
    ['colou?r', 'colo'],
    ['ab*c', 'a'],
    ['abc+d', 'abc'],
    ['x{0,3}yz', 'yz'],
    ['a|b', null],
    ['(abc|def)ghij', 'ghij'],
    ['(optional)?tail', 'tail'],
    ['\\d{3}ms', 'ms'],
    ['\\.json\\b', '.json'],
    ['[abc]def', 'def'],
    ['[]x]yy', 'yy'],
    ['\\u0041bc', null],
    ['...', null],
    ['a\\/b', 'a/b'],
  ];
  for (const [src, want] of cases) assert.equal(requiredLiteral(src), want, src);
});

test('requiredLiteral is sound: every line a pattern matches contains its literal', () => {
  const patterns = [
    'NEEDLE-[0-9]*7',
    'colou?r',
    'ab*c',
    'abc+d',
    'x{0,3}yz',
    '(abc|def)ghij',
    '(optional)?tail',
    '\\d{3}ms',
    '[\\]x]yy',
  ];
  const lines = [
    'NEEDLE-17',
    'NEEDLE-7',
    'color',
    'colour',
    'ac',
    'abbbc',
    'abccd',
    'yz',
    'xxxyz',
    'defghij',
    'tail',
    'optionaltail',
    '123ms',
    ']yy',
    'xyy',
  ];
  for (const p of patterns) {
    const re = new RegExp(p);
    const lit = requiredLiteral(p)!;
    const matched = lines.filter((l) => re.test(l));
    assert.ok(matched.length > 0, `${p} matches at least one sample line, so its literal is checked`);
    for (const l of matched) assert.ok(l.includes(lit), `${p} matches ${l} without "${lit}"`);
  }
});

test('compilePattern: text, case-insensitive text, regex; refusals', () => {
  assert.ok(lineMatches(compilePattern({ pattern: 'a.b', regex: false, ignoreCase: false }), 'xa.by'));
  assert.ok(!lineMatches(compilePattern({ pattern: 'a.b', regex: false, ignoreCase: false }), 'axb'));
  assert.ok(lineMatches(compilePattern({ pattern: 'A.B(', regex: false, ignoreCase: true }), 'xa.b(y'));
  assert.ok(lineMatches(compilePattern({ pattern: 'a.b', regex: true, ignoreCase: false }), 'axb'));
  assert.throws(() => compilePattern({ pattern: '(', regex: true, ignoreCase: false }), { code: 'E_USAGE' });
  assert.throws(() => compilePattern({ pattern: 'a\nb', regex: false, ignoreCase: false }), {
    code: 'E_USAGE',
  });
  assert.equal(escapeRegExp('a.b*c/d'), 'a\\.b\\*c\\/d');
});

test('requiredLiterals: one literal, or one per branch of an alternation; null when a branch has none', () => {
  const cases: [string, string[] | null][] = [
    ['NEEDLE-[0-9]*7', ['NEEDLE-']],
    ['timeout|refused', ['timeout', 'refused']],
    ['(timeout|refused)', ['timeout', 'refused']],
    ['^(?:connection timeout|refused)$', ['connection timeout', 'refused']],
    ['(timeout|ab)', null],
    ['(timeout|refused) after \\d+ms', [' after ']],
    ['(a)(b)|ccc', null],
    ['(error)|(warn)', null],
    ['\\d+', null],
    ['(x|y)?zzz', ['zzz']],
    ['(error)s|warn(ing)', null],
    ['errors|warn(ing)', ['errors', 'warn']],
  ];
  for (const [src, want] of cases) assert.deepEqual(requiredLiterals(src), want, src);
  const lines = ['a timeout here', 'refused!', 'connection timeout', 'nothing', 'errors and warnings'];
  for (const src of [
    'timeout|refused',
    '(timeout|refused)',
    '^(?:connection timeout|refused)$',
    'errors|warn(ing)',
  ]) {
    const lits = requiredLiterals(src)!;
    const matched = lines.filter((l) => new RegExp(src).test(l));
    assert.ok(matched.length > 0, `${src} matches at least one sample line`);
    for (const l of matched)
      assert.ok(
        lits.some((x) => l.includes(x)),
        `${src} / ${l}`,
      );
  }
});
