/** A request body checked against its zod schema (server side only, loaded with the first body that needs it). */
import type { z } from 'zod';
import { VigilError } from '../../core/errors.js';

/** The parsed body, or E_USAGE naming the route and the field; the input itself is never quoted back. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new VigilError('E_USAGE', `${what}: ${where}: ${issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message}`);
}
