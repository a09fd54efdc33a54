import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, createScrubbingStream, REDACTED } from '../../agent/adapters/agent-log/logger.js';

/** A stream that keeps what it is given. */
function sink(): { stream: Writable; text: () => string; writes: () => number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join(''), writes: () => chunks.length };
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('redaction: secret-named fields, nested one level, headers and env values', () => {
  const out = sink();
  const log = createLogger({ destination: out.stream, name: 'vigil-agent' });
  log.info(
    {
      credential: { token: 'tok-123456', user: 'ann' },
      password: 'hunter22',
      req: { headers: { authorization: 'Bearer abcdef', host: 'localhost' } },
      spec: { env: { OPENAI_API_KEY: 'sk-live', PORT: '8080' } },
      count: 3,
    },
    'hello',
  );
  const [line] = lines(out.text());
  assert.equal(line!.name, 'vigil-agent');
  assert.equal(line!.msg, 'hello');
  assert.deepEqual(line!.credential, { token: REDACTED, user: 'ann' });
  assert.equal(line!.password, REDACTED);
  assert.deepEqual(line!.req, { headers: { authorization: REDACTED, host: 'localhost' } });
  assert.deepEqual(line!.spec, { env: { OPENAI_API_KEY: REDACTED, PORT: REDACTED } });
  assert.equal(line!.count, 3);
  for (const secret of ['tok-123456', 'hunter22', 'Bearer abcdef', 'sk-live'])
    assert.ok(!out.text().includes(secret), secret);
});

test('level filters lines', () => {
  const out = sink();
  const log = createLogger({ destination: out.stream, level: 'warn' });
  log.info('quiet');
  log.warn('loud');
  assert.deepEqual(
    lines(out.text()).map((l) => l.msg),
    ['loud'],
  );
});

test('scrubbing: a known secret value inside a message string is replaced', () => {
  const out = sink();
  const secrets = new Set(['s3cr3t-value', 'ab']);
  const log = createLogger({ destination: out.stream, secrets: () => secrets });
  log.error(
    new Error('request failed: Authorization: Bearer s3cr3t-value rejected'),
    'call with s3cr3t-value failed',
  );
  secrets.add('later-added-secret');
  log.info({ note: 'later-added-secret' }, 'ab cd'); // secrets shorter than 4 chars are not scrubbed
  const text = out.text();
  assert.ok(!text.includes('s3cr3t-value'), text);
  assert.ok(!text.includes('later-added-secret'), text);
  const [first, second] = lines(text);
  assert.equal(first!.msg, `call with ${REDACTED} failed`);
  assert.match(String((first!.err as { message: string }).message), /Bearer \[redacted\] rejected/);
  assert.equal(second!.note, REDACTED);
  assert.equal(second!.msg, 'ab cd');
});

test('scrubbing stream: JSON-escaped secrets, secrets split across writes, trailing partial line', async () => {
  const out = sink();
  const scrubber = createScrubbingStream(out.stream, () => ['pa"ss\\word', 'split-secret']);
  scrubber.write(`${JSON.stringify({ msg: 'x pa"ss\\word y' })}\n`);
  scrubber.write('a split-se');
  scrubber.write('cret b\nno newline split-secret');
  await new Promise<void>((resolve) => scrubber.end(resolve));
  assert.equal(out.text(), `{"msg":"x ${REDACTED} y"}\na ${REDACTED} b\nno newline ${REDACTED}`);
});

test("scrubbing stream: values of 8+ characters in the leak guard's encodings too (base64, hex, %XX, upper case); short ones as written", async () => {
  const out = sink();
  const v = 'agent-log-secret-42';
  const scrubber = createScrubbingStream(out.stream, () => [v, 'pin7']);
  scrubber.write(
    `b64 ${Buffer.from(`:${v}`).toString('base64')} hex ${Buffer.from(v).toString('hex')} url ${v.replace(/-/g, '%2d')} up ${v.toUpperCase()} pin7\n`,
  );
  await new Promise<void>((resolve) => scrubber.end(resolve));
  assert.match(
    out.text(),
    new RegExp(
      `^b64 .{0,2}\\[redacted\\].{0,3} hex \\[redacted\\] url \\[redacted\\] up \\[redacted\\] \\[redacted\\]\\n$`,
    ),
  );
});

test('file destination: created 0600 under umask 0, appended, dir created 0700', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-log-'));
  const file = path.join(dir, 'logs', 'vigil-agent.log');
  const old = process.umask(0);
  try {
    createLogger({ destination: file }).info('first');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    fs.chmodSync(file, 0o644);
    createLogger({ destination: file, secrets: () => ['token-in-file'] }).info('second token-in-file');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // synchronous writes: the lines are in the file as soon as the calls return
    assert.deepEqual(
      lines(fs.readFileSync(file, 'utf8')).map((l) => l.msg),
      ['first', `second ${REDACTED}`],
    );
  } finally {
    process.umask(old);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
