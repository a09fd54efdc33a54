/** How long resource history is kept: raw samples a day, 1-minute rollups 30 days. */
export const RAW_RETENTION_MS = 24 * 3600_000;
export const ROLLUP_RETENTION_MS = 30 * 86_400_000;
export const MINUTE_MS = 60_000;
