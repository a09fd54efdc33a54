/**
 * The agent's structured logger (pino, JSON lines) with two layers of secret protection:
 *
 * 1. `redact` by key (REDACT_PATHS): a value stored under a secret-looking key, at the top level or
 *    one level down (pino's `*` matches one level), is replaced by "[redacted]". Covered keys:
 *    token, password, secret, apiKey, authorization, cookie, and HTTP `headers.authorization` /
 *    `headers.cookie` (also under req / res / any one object). `env` maps are redacted value by value
 *    (a service's environment is where credentials end up).
 * 2. A scrubbing stream (createScrubbingStream) replaces any exact known secret value that appears
 *    anywhere in a line, including inside a message string, e.g. in an error message. The credential
 *    store feeds it the current values through the `secrets` option.
 *
 * File destinations are written synchronously (FileSink). The agent logs little,
 * and the lines that matter most are the last ones before a crash, OOM kill or SIGKILL: a synchronous
 * write is on disk (in the page cache) before the call returns, so nothing is lost in a buffer and no
 * flush-on-exit hook is needed. The file is created 0600 (re-chmodded if it existed), its dir 0700.
 * A write that fails (a full disk) never throws into the caller: FileSink drops the line, counts it and
 * says so in the log once writes get through again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FileSink } from './file-sink.js';
import { MIN_GUARDED_LENGTH, createRedactor, type Redactor } from '../../core/credentials/redact.js';

export const REDACTED = '[redacted]';

const SECRET_KEYS = ['token', 'password', 'secret', 'apiKey', 'authorization', 'cookie'];
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'env.*',
  '*.env.*',
];

/** Secret values shorter than this are ignored by the scrubber: they would shred ordinary text. */
export const MIN_SECRET_LENGTH = 4;

export interface LoggerOptions {
  /** pino level: trace, debug, info (default), warn, error, fatal, silent. */
  level?: string;
  /** A file path (created 0600, appended to) or a stream; default stdout. */
  destination?: string | NodeJS.WritableStream;
  /** Bound as `name` on every line. */
  name?: string;
  /** Current secret values to scrub from every line (see createScrubbingStream). */
  secrets?: () => Iterable<string>;
}

export function createLogger(opts: LoggerOptions = {}): pino.Logger {
  let dest: NodeJS.WritableStream =
    typeof opts.destination === 'string'
      ? openLogFile(opts.destination, opts.name)
      : (opts.destination ?? process.stdout);
  if (opts.secrets) dest = createScrubbingStream(dest, opts.secrets);
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      ...(opts.name === undefined ? {} : { name: opts.name }),
    },
    dest,
  );
}

function openLogFile(file: string, name: string | undefined): NodeJS.WritableStream {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  }
  // O_NOFOLLOW: a link put in place of the log is refused, its target never appended to
  const fd = fs.openSync(
    file,
    fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW,
    0o600,
  );
  fs.fchmodSync(fd, 0o600);
  return new FileSink({
    fd,
    file,
    ...(name === undefined ? {} : { name }),
  }) as unknown as NodeJS.WritableStream;
}

/**
 * A stream that replaces every occurrence of a secret value (as written, and as escaped inside a JSON
 * string) with "[redacted]" before passing the text to `inner`. Text is scrubbed a whole line at a
 * time, so a secret split across two writes is still caught; a trailing partial line is flushed on end.
 * `secrets` is called for every line, so newly learnt values apply at once.
 */
export function createScrubbingStream(
  inner: NodeJS.WritableStream,
  secrets: () => Iterable<string>,
): Writable {
  let partial = '';
  const forward = (text: string) => {
    if (text) inner.write(scrub(text, secrets()));
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      const text = partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      forward(text.slice(0, end));
      callback();
    },
    final(callback) {
      forward(partial);
      partial = '';
      callback();
    },
  });
}

/**
 * Replaces each secret with "[redacted]": values of MIN_GUARDED_LENGTH characters or more in every
 * encoding the leak guard knows (base64, hex, %XX, any case, …: agent/core/credentials/redact.ts), shorter
 * ones (down to MIN_SECRET_LENGTH) as written and JSON-escaped only, longest first (so one that contains
 * another goes whole).
 */
export function scrub(text: string, secrets: Iterable<string>): string {
  const values = [...secrets];
  let out = guardFor(values)(text);
  const forms = new Set<string>();
  for (const s of values) {
    if (s.length < MIN_SECRET_LENGTH || s.length >= MIN_GUARDED_LENGTH) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** The compiled matcher for the last list of values (the store's list changes rarely; compiling is not free). */
let compiled: { key: string; redact: Redactor } = { key: '', redact: (l) => l };
function guardFor(values: readonly string[]): Redactor {
  const key = values.join('\0');
  if (key !== compiled.key) {
    const refs = values.map((value) => ({ set: '', key: '', value, version: 0, current: true }));
    compiled = { key, redact: createRedactor(refs, () => REDACTED) };
  }
  return compiled.redact;
}
