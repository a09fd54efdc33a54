/**
 * The manifest's `logs:` settings — log rotation done by vigil-launch — at the top level (for every
 * service) and per service (overriding the top level key by key):
 *
 *   logs: { maxBytes: 10M, keep: 5 }
 *
 * `maxBytes`: a file is rotated before a write would take it past this size (a size such as 512K, 10M,
 * 1G, or a number of bytes; at least 1K). `keep`: rotated files kept (<name>.log.1 … .keep; 0 keeps none).
 *
 * The settings themselves (defaults, merging) are in logs-settings.ts, which renderers import without zod.
 */
import { z } from 'zod';
import { parseMemoryBytes } from './units.js';
import { MAX_LOG_KEEP, MIN_LOG_MAX_BYTES } from './logs-settings.js';

export * from './logs-settings.js';

const SIZE_MESSAGE = 'must be a size such as 512K, 10M or 1G (at least 1K)';

export const logsSchema = z.strictObject({
  maxBytes: z
    .union([z.string(), z.number()], { error: SIZE_MESSAGE })
    .transform((v, ctx) => {
      const bytes = parseMemoryBytes(v);
      if (bytes === null || bytes < MIN_LOG_MAX_BYTES) {
        ctx.addIssue({ code: 'custom', message: SIZE_MESSAGE });
        return z.NEVER;
      }
      return bytes;
    })
    .optional(),
  keep: z
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be >= 0')
    .max(MAX_LOG_KEEP, `must be <= ${MAX_LOG_KEEP}`)
    .optional(),
});
