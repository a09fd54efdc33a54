/**
 * Escapes that can stand for any character, decoded for the leak guard: `%XX` (percent-encoding, any
 * case of hex digit, including characters that never needed it: `-` as `%2D`) and `\uXXXX` (JSON,
 * JavaScript). A value can be encoded as any mix of escaped and plain characters, too many combinations to
 * list as forms, so the guard matches the value against the decoded text and maps a match back to where
 * it came from. `%XX` decodes to one byte (as a char 0-255: percent-encoded UTF-8 is matched against the
 * value's UTF-8 bytes), `\uXXXX` to one UTF-16 unit.
 */
import { utf8 } from './encodings.js';

const ESCAPE = /%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}/;
const ESCAPES = /%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}/g;

export interface Decoded {
  text: string;
  /** starts[i]: where decoded unit i begins in the original; starts[text.length] = original length. */
  starts: number[];
}

/** The decoded line, or null when it has no escape (the common case: nothing to do). */
export function decodeEscapes(line: string): Decoded | null {
  if (!ESCAPE.test(line)) return null;
  let text = '';
  const starts: number[] = [];
  let at = 0;
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(line); m !== null; m = ESCAPES.exec(line)) {
    for (; at < m.index; at++) {
      text += line[at];
      starts.push(at);
    }
    text += String.fromCharCode(parseInt(m[0].slice(m[0][0] === '%' ? 1 : 2), 16));
    starts.push(m.index);
    at = m.index + m[0].length;
  }
  for (; at < line.length; at++) {
    text += line[at];
    starts.push(at);
  }
  starts.push(line.length);
  return { text, starts };
}

/** The value as percent-decoding leaves it: its UTF-8 bytes, one char each. */
export function utf8Bytes(value: string): string {
  let out = '';
  for (const b of utf8(value)) out += String.fromCharCode(b);
  return out;
}
