/**
 * Reading a secret value from stdin, never from argv (where `ps` and shell history would see it).
 * On a terminal: a prompt on stderr and no echo (raw mode; Enter ends, Backspace edits, Ctrl-C cancels).
 * Piped: all of stdin, without one trailing line break (`echo "$KEY" | vigil secrets set …`).
 */
import { VigilError } from '../core/errors.js';
import { firstInvalidByte, requireUtf8 } from '../core/utf8.js';
import type { Io } from './io.js';

const MAX_INPUT_BYTES = 64 * 1024;

interface TtyIn extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

export async function readSecretValue(io: Io, prompt: string): Promise<string> {
  const stdin = io.stdin as TtyIn;
  const value =
    stdin.isTTY && typeof stdin.setRawMode === 'function'
      ? await readHidden(io, stdin, prompt)
      : await readPiped(stdin);
  if (value === '') throw new VigilError('E_USAGE', 'no value given on stdin');
  return value;
}

async function readPiped(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_INPUT_BYTES)
      throw new VigilError('E_USAGE', `the value on stdin is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(b);
  }
  return requireUtf8(Buffer.concat(chunks), 'the value on stdin').replace(/\r?\n$/, '');
}

function readHidden(io: Io, stdin: TtyIn, prompt: string): Promise<string> {
  io.err(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    let bytes = 0;
    // Streaming and strict: a key pressed as several chunks is joined, a byte that is not UTF-8 is refused.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const finish = (err: VigilError | null) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      io.err('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      let s: string;
      try {
        s = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      } catch {
        const at = bytes + Math.max(0, firstInvalidByte(chunk as Buffer));
        return finish(new VigilError('E_USAGE', `the value typed is not valid UTF-8: byte ${at}`));
      }
      bytes += chunk.length;
      for (const ch of s) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null);
        if (ch === '\u0003') return finish(new VigilError('E_USAGE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else value += ch;
      }
    };
    stdin.setRawMode!(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
