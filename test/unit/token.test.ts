import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readOrCreateToken } from '../../agent/adapters/fs/token.js';
import { VigilError } from '../../agent/core/errors.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-token-'));
  file = path.join(dir, 'agent.token');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function refusal(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof VigilError, String(err));
    assert.equal(err.code, 'E_IO');
    assert.ok(err.message.includes(file), `message names the path: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  };
}

test('creates a 0600 file holding 32 random bytes as hex, even under umask 0', () => {
  const old = process.umask(0);
  let token: string;
  try {
    token = readOrCreateToken(file);
  } finally {
    process.umask(old);
  }
  assert.match(token, /^[0-9a-f]{64}$/);
  const st = lstatSync(file);
  assert.ok(st.isFile());
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8').trim(), token);
  assert.deepEqual(readdirSync(dir), ['agent.token'], 'no temp file is left behind');
  assert.notEqual(readOrCreateToken(path.join(dir, 'other.token')), token, 'tokens are random');
});

test('the mode is exactly 0600 whatever the umask takes away', () => {
  const old = process.umask(0o277);
  try {
    readOrCreateToken(file);
  } finally {
    process.umask(old);
  }
  assert.equal(lstatSync(file).mode & 0o777, 0o600);
});

test('reuses an existing private token file, trimmed', () => {
  const first = readOrCreateToken(file);
  assert.equal(readOrCreateToken(file), first);
  writeFileSync(file, `  ${'c'.repeat(64)}\n\n`, { mode: 0o600 });
  assert.equal(readOrCreateToken(file), 'c'.repeat(64));
});

test('refuses a group/world-readable file and names the path and the chmod fix', () => {
  writeFileSync(file, 'd'.repeat(64));
  chmodSync(file, 0o644);
  assert.throws(() => readOrCreateToken(file), refusal(/group or others \(mode 0644\).*chmod 600/));
  chmodSync(file, 0o640);
  assert.throws(() => readOrCreateToken(file), refusal(/mode 0640/));
  chmodSync(file, 0o600);
  assert.equal(readOrCreateToken(file), 'd'.repeat(64));
});

test('refuses a symlink, even to a private file', () => {
  const target = path.join(dir, 'elsewhere');
  writeFileSync(target, 'e'.repeat(64), { mode: 0o600 });
  symlinkSync(target, file);
  assert.throws(() => readOrCreateToken(file), refusal(/symlink/));
  assert.equal(readFileSync(target, 'utf8'), 'e'.repeat(64), 'the target is untouched');
});

test('refuses an empty token file, a directory in its place, and a missing directory', () => {
  writeFileSync(file, '\n', { mode: 0o600 });
  assert.throws(() => readOrCreateToken(file), refusal(/no usable token/));
  rmSync(file);
  mkdirSync(file, { mode: 0o700 });
  assert.throws(() => readOrCreateToken(file), refusal(/not a regular file/));
  const sub = path.join(dir, 'missing');
  assert.throws(
    () => readOrCreateToken(path.join(sub, 'agent.token')),
    (err) => err instanceof VigilError && err.code === 'E_IO' && err.message.includes(sub),
  );
});

test(
  'refuses a file owned by someone else',
  { skip: process.getuid?.() !== 0 && 'needs root to chown' },
  () => {
    writeFileSync(file, 'f'.repeat(64), { mode: 0o600 });
    chownSync(file, 12345, 12345);
    assert.throws(() => readOrCreateToken(file), refusal(/owned by uid 12345/));
  },
);
