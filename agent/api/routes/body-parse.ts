/** A request body checked against its zod schema (server side only, loaded with the first body that needs it). */
import type { z } from 'zod';
import { VigilError } from '../../core/errors.js';
import { decodeUtf8, describeBadByte } from '../../core/utf8.js';

/**
 * A request body's bytes → its JSON value. Bytes that are not UTF-8 are refused with their position
 * (decoding them leniently would store U+FFFD in place of a credential's bytes); the body is never quoted.
 */
export function decodeJsonBody(bytes: Uint8Array): unknown {
  const r = decodeUtf8(bytes);
  if ('badByte' in r)
    throw new VigilError('E_USAGE', `request body is not valid UTF-8: ${describeBadByte(bytes, r.badByte)}`);
  try {
    return JSON.parse(r.text) as unknown;
  } catch {
    throw new VigilError('E_USAGE', 'request body is not valid JSON');
  }
}

/** The parsed body, or E_USAGE naming the route and the field; the input itself is never quoted back. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new VigilError(
    'E_USAGE',
    `${what}: ${where}: ${issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message}`,
  );
}
