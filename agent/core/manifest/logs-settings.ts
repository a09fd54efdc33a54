/**
 * The manifest's `logs:` settings — log rotation done by vigil-launch — at the top level (for every
 * service) and per service (overriding the top level key by key):
 *
 *   logs: { maxBytes: 10M, keep: 5 }
 *
 * `maxBytes`: a file is rotated before a write would take it past this size (a size such as 512K, 10M,
 * 1G, or a number of bytes; at least 1K). `keep`: rotated files kept (<name>.log.1 … .keep; 0 keeps none).
 */
import type { ServiceSpec } from './model.js';

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 5;
export const MIN_LOG_MAX_BYTES = 1024;
export const MAX_LOG_KEEP = 1000;

export interface LogSettings {
  maxBytes: number;
  keep: number;
}

/** The `logs:` keys as the schema outputs them. */
export type RawLogs = { maxBytes?: number | undefined; keep?: number | undefined } | undefined;
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
