/**
 * Strict UTF-8 decoding: bytes that are not UTF-8 are refused with their position, never turned into
 * U+FFFD (a credential value or a manifest changed silently is worse than one refused). Pure.
 */
import { VigilError } from './errors.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** The text, or the offset of the first byte that does not belong to a valid UTF-8 sequence. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { badByte: number } {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    return { badByte: firstInvalidByte(bytes) };
  }
}

/**
 * The offset of the first invalid byte (stray continuation byte, truncated or overlong sequence, UTF-16
 * surrogate, beyond U+10FFFF), or -1. Only called once the fast decoder has refused the input.
 */
export function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // beyond U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      // A truncated or broken sequence: the lead byte is where it goes wrong.
      if (d === undefined || d < min || d > max) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** "line L, column C" (1-based, columns in characters) of a byte offset, from the valid text before it. */
export function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const before = strict.decode(bytes.subarray(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: [...(lines[lines.length - 1] ?? '')].length + 1 };
}

/** The text, or E_USAGE: "<what> is not valid UTF-8: byte N (0xff), line L, column C". The bytes are never quoted. */
export function requireUtf8(bytes: Uint8Array, what: string): string {
  const r = decodeUtf8(bytes);
  if ('text' in r) return r.text;
  throw new VigilError('E_USAGE', `${what} is not valid UTF-8: ${describeBadByte(bytes, r.badByte)}`);
}

export function describeBadByte(bytes: Uint8Array, offset: number): string {
  const { line, column } = bytePosition(bytes, offset);
  return `byte ${offset} (0x${bytes[offset]!.toString(16).padStart(2, '0')}), line ${line}, column ${column}`;
}
