/** Bytes that are not UTF-8 in API bodies and credential values, and the credential read that threw null. */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isVigilError } from '../../agent/core/errors.js';
import { requireUtf8 } from '../../agent/core/utf8.js';
import { decodeJsonBody } from '../../agent/api/routes/body-parse.js';
import { readSecretValue } from '../../agent/cli/secret-input.js';
import { readPrivateFile } from '../../agent/adapters/credentials/private-file.js';
import type { Io } from '../../agent/cli/io.js';
import { hostHeaders, raw, startFixture } from '../helpers/api-fixture.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const usage = (re: RegExp) => (e: unknown) => isVigilError(e) && e.code === 'E_USAGE' && re.test(e.message);

describe('API bodies', () => {
  it('refuses a body that is not UTF-8, with the byte position, without quoting it', () => {
    const body = bytes('{"value":"sk-', [0xc3, 0x28], '"}');
    assert.throws(
      () => decodeJsonBody(body),
      usage(/^request body is not valid UTF-8: byte 13 \(0xc3\), line 1, column 14$/),
    );
  });

  it('parses a UTF-8 body (U+FFFD written as such is a character like any other)', () => {
    assert.deepEqual(decodeJsonBody(bytes('{"value":"café \uFFFD"}')), { value: 'café \uFFFD' });
    assert.throws(() => decodeJsonBody(bytes('{"value":')), usage(/^request body is not valid JSON$/));
  });
});

describe('API bodies through the server', () => {
  it('PUT a credential value that is not UTF-8: 400 E_USAGE with the position, not U+FFFD stored', async () => {
    const fx = await startFixture();
    try {
      const body = bytes('{"value":"sk-live-', [0xff], '"}');
      const r = await raw(
        { port: fx.port },
        {
          method: 'PUT',
          path: '/api/credentials/llm/keys/API_KEY',
          headers: hostHeaders(fx.port, {
            'content-type': 'application/json',
            'content-length': String(body.length),
          }),
          body,
        },
      );
      assert.equal(r.status, 400, r.text);
      assert.deepEqual((r.json as { error: { code: string } }).error.code, 'E_USAGE');
      assert.match(r.text, /request body is not valid UTF-8: byte 18 \(0xff\), line 1, column 19/);
      assert.doesNotMatch(r.text, /sk-live/);
    } finally {
      await fx.close();
    }
  });
});

describe('credential values', () => {
  const io = (chunks: Buffer[]): Io => ({
    out: () => {},
    err: () => {},
    stdin: Readable.from(chunks),
    env: {},
    cwd: '/',
  });

  it('vigil secrets set: a piped value that is not UTF-8 is refused at its byte', async () => {
    await assert.rejects(
      readSecretValue(io([bytes('abc'), bytes([0xff], 'def\n')]), ''),
      usage(/^the value on stdin is not valid UTF-8: byte 3 \(0xff\), line 1, column 4$/),
    );
    assert.equal(await readSecretValue(io([bytes('clé\n')]), ''), 'clé');
  });

  it('vigil secrets set on a terminal: a typed byte that is not UTF-8 is refused, a key split over two reads is kept', async () => {
    const typed = (chunks: Buffer[]): Io => {
      const stdin = Object.assign(new Readable({ read() {} }), { isTTY: true, setRawMode: () => stdin });
      setImmediate(() => chunks.forEach((c) => stdin.push(c)));
      return { out: () => {}, err: () => {}, stdin, env: {}, cwd: '/' };
    };
    await assert.rejects(
      readSecretValue(typed([bytes('ab'), bytes('c', [0xc3, 0x28], '\r')]), ''),
      usage(/^the value typed is not valid UTF-8: byte 3$/),
    );
    assert.equal(await readSecretValue(typed([bytes('cl', [0xc3]), bytes([0xa9], '\r')]), ''), 'clé');
  });

  it('an env file for secrets import: the line of the bad byte', () => {
    assert.throws(
      () => requireUtf8(bytes('A=1\nB=', [0xfe], '\n'), '/tmp/x.env'),
      usage(/^\/tmp\/x\.env is not valid UTF-8: byte 6 \(0xfe\), line 2, column 3$/),
    );
  });
});

describe('a credential file swapped for a link while being opened', () => {
  it('is refused with a named error, never by throwing null', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-loop-'));
    const file = path.join(dir, 'x.env');
    writeFileSync(file, 'A=1\n', { mode: 0o600 });
    // The race: open() met a link (ELOOP), and by the second look a regular file is back.
    t.mock.method(fs, 'openSync', () => {
      throw Object.assign(new Error('ELOOP: too many symbolic links'), { code: 'ELOOP' });
    });
    assert.throws(
      () => readPrivateFile(file),
      (e: unknown) =>
        isVigilError(e) &&
        e.code === 'E_CREDENTIAL_UNSAFE' &&
        /was a symbolic link when opened/.test(e.message),
    );
    mock.restoreAll();
  });
});
