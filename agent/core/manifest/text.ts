/**
 * The manifest file's bytes → its text: at most MANIFEST_LIMITS.fileBytes, and UTF-8 (a byte that is not
 * is refused at its line and column with its offset, not turned into U+FFFD). Pure.
 */
import { ManifestError } from '../errors.js';
import { bytePosition, decodeUtf8 } from '../utf8.js';
import { MANIFEST_LIMITS } from './limits.js';
import { tooLarge } from './parse.js';

export function manifestText(bytes: Uint8Array, file: string): string {
  if (bytes.length > MANIFEST_LIMITS.fileBytes) throw tooLarge(file, bytes.length);
  const r = decodeUtf8(bytes);
  if ('text' in r) return r.text;
  const { line, column } = bytePosition(bytes, r.badByte);
  const hex = bytes[r.badByte]!.toString(16).padStart(2, '0');
  throw new ManifestError('E_MANIFEST_READ', [
    {
      file,
      line,
      column,
      path: '',
      message: `not valid UTF-8: byte ${r.badByte} (0x${hex}); save the file as UTF-8`,
    },
  ]);
}
