import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeEnvFilePath,
  escapePath,
  escapeText,
  quoteEnvAssignment,
  quoteExecArg,
  quoteExecLine,
} from '../../agent/adapters/systemd/quote.js';
import { VigilError } from '../../agent/core/errors.js';

test('quoteExecArg wraps every argument in double quotes', () => {
  assert.equal(quoteExecArg('plain'), '"plain"');
  assert.equal(quoteExecArg(''), '""');
  assert.equal(quoteExecArg('a b'), '"a b"');
});

test('quoteExecArg escapes backslashes and double quotes', () => {
  assert.equal(quoteExecArg('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteExecArg('C:\\dir\\'), '"C:\\\\dir\\\\"');
  assert.equal(quoteExecArg("it's"), '"it\'s"');
});

test('quoteExecArg doubles $ (variable expansion) and % (specifiers)', () => {
  assert.equal(quoteExecArg('$HOME'), '"$$HOME"');
  assert.equal(quoteExecArg('${X}'), '"$${X}"');
  assert.equal(quoteExecArg('100%n'), '"100%%n"');
  assert.equal(quoteExecArg('%%'), '"%%%%"');
});

test('quoteExecArg writes control characters as C escapes', () => {
  assert.equal(quoteExecArg('a\tb'), '"a\\tb"');
  assert.equal(quoteExecArg('a\nb\r'), '"a\\nb\\r"');
  assert.equal(quoteExecArg('\x01\x1f\x7f'), '"\\x01\\x1f\\x7f"');
  assert.equal(quoteExecArg('\x07\b\f\v'), '"\\a\\b\\f\\v"');
});

test('quoteExecArg leaves ; and non-ASCII UTF-8 alone', () => {
  assert.equal(quoteExecArg(';'), '";"');
  assert.equal(quoteExecArg('héllo ✓ 日本 🚀'), '"héllo ✓ 日本 🚀"');
});

test('quoteExecArg refuses a NUL byte', () => {
  assert.throws(
    () => quoteExecArg('a\0b'),
    (e: unknown) => e instanceof VigilError && e.code === 'E_SERVICE_MANAGER',
  );
});

test('quoteExecLine quotes each word, including the program path', () => {
  assert.equal(quoteExecLine(['/bin/sh', '-c', 'echo $1', 'x']), '"/bin/sh" "-c" "echo $$1" "x"');
  assert.throws(() => quoteExecLine([]), VigilError);
});

test('quoteExecLine refuses a program that is not an absolute path (systemd reads -@+!: as prefixes even quoted)', () => {
  for (const program of ['-/bin/false', '@/bin/echo', '+/bin/sh', '!/bin/sh', ':/bin/sh', 'sh', '']) {
    assert.throws(() => quoteExecLine([program, 'x']), { code: 'E_SERVICE_MANAGER' }, program);
  }
});

test('quoteEnvAssignment escapes \\ " % but leaves $ alone (Environment= does not expand it)', () => {
  assert.equal(quoteEnvAssignment('A', 'x'), '"A=x"');
  assert.equal(quoteEnvAssignment('A', '$HOME 50% "q" back\\slash'), '"A=$HOME 50%% \\"q\\" back\\\\slash"');
  assert.equal(quoteEnvAssignment('TABS', 'a\tb'), '"TABS=a\\tb"');
  assert.equal(quoteEnvAssignment('EMPTY', ''), '"EMPTY="');
  assert.equal(quoteEnvAssignment('U', 'héllo ✓'), '"U=héllo ✓"');
});

test('quoteEnvAssignment refuses invalid names', () => {
  assert.throws(() => quoteEnvAssignment('A B', 'x'), VigilError);
  assert.throws(() => quoteEnvAssignment('1A', 'x'), VigilError);
  assert.throws(() => quoteEnvAssignment('A=B', 'x'), VigilError);
});

test('escapePath doubles % and keeps spaces, quotes and backslashes raw', () => {
  assert.equal(escapePath('/tmp/my dir/50%/x'), '/tmp/my dir/50%%/x');
  assert.equal(escapePath('/tmp/b\\s"q\''), '/tmp/b\\s"q\'');
});

test('escapePath refuses line breaks, relative paths and trailing whitespace or backslash', () => {
  assert.throws(() => escapePath('/tmp/a\nb'), VigilError);
  assert.throws(() => escapePath('/tmp/a\rb'), VigilError);
  assert.throws(() => escapePath('relative/path'), VigilError);
  assert.throws(() => escapePath('/tmp/x '), VigilError);
  assert.throws(() => escapePath('/tmp/x\\'), VigilError);
});

test('escapeEnvFilePath also escapes glob characters', () => {
  assert.equal(escapeEnvFilePath('/h/cred s/web.env'), '/h/cred s/web.env');
  assert.equal(escapeEnvFilePath('/h/a*b?c[d]\\e%/x.env'), '/h/a\\*b\\?c\\[d]\\\\e%%/x.env');
});

test('escapeText makes one line, doubles % and drops a trailing backslash', () => {
  assert.equal(escapeText('Web at 100% "now"'), 'Web at 100%% "now"');
  assert.equal(escapeText('two\nlines\t'), 'two lines');
  assert.equal(escapeText('ends with \\'), 'ends with');
});
