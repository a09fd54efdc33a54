/**
 * The manifest's `logs:` settings — log rotation done by vigil-launch — at the top level (for every
 * service) and per service (overriding the top level key by key):
 *
 *   logs: { maxBytes: 10M, keep: 5 }
 *
 * `maxBytes`: a file is rotated before a write would take it past this size (a size such as 512K, 10M,
 * 1G, or a number of bytes; at least 1K). `keep`: rotated files kept (<name>.log.1 … .keep; 0 keeps none).
 */
import { z } from 'zod';
import { parseMemoryBytes } from './units.js';
import type { ServiceSpec } from './model.js';

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 5;
export const MIN_LOG_MAX_BYTES = 1024;
export const MAX_LOG_KEEP = 1000;

export interface LogSettings {
  maxBytes: number;
  keep: number;
}

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

type RawLogs = z.output<typeof logsSchema> | undefined;

/** A service's rotation settings: its own keys over the top-level ones over the defaults. */
export function withLogs(spec: ServiceSpec, top: RawLogs, own: RawLogs): ServiceSpec {
  return {
    ...spec,
    logs: {
      maxBytes: own?.maxBytes ?? top?.maxBytes ?? DEFAULT_LOG_MAX_BYTES,
      keep: own?.keep ?? top?.keep ?? DEFAULT_LOG_KEEP,
    },
  };
}

/** The settings of a spec built without the parser (tests, older callers): the defaults. */
export function logSettings(spec: Pick<ServiceSpec, 'logs'>): LogSettings {
  return spec.logs ?? { maxBytes: DEFAULT_LOG_MAX_BYTES, keep: DEFAULT_LOG_KEEP };
}
