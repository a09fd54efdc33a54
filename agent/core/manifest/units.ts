/** Parsing of human sizes and percentages used in manifests. Pure. */

/** A number, then an optional binary unit (K, M, G, T, optionally followed by B or iB), or a bare B. */
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i;
const FACTORS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** "512M", "2G", "1.5G", "2GiB", 1048576 → bytes (binary multiples, as systemd reads them). */
export function parseMemoryBytes(v: string | number): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0 ? v : null;
  const m = SIZE_RE.exec(v.trim());
  if (!m) return null;
  const unit = (m[2] ?? '').toUpperCase();
  const factor = FACTORS[unit];
  if (factor === undefined) return null;
  // A fraction of a byte means nothing: "1.5" (no unit) is rejected, "1.5K" is 1536.
  if (unit === '' && m[1]?.includes('.')) return null;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** "200%", "50 %", 150 → percent of one core. */
export function parseCpuPercent(v: string | number): number | null {
  const n = typeof v === 'number' ? v : /^(\d+(?:\.\d+)?)\s*%$/.exec(v.trim())?.[1];
  const pct = Number(n);
  return n !== undefined && Number.isFinite(pct) && pct > 0 && pct <= 100_000 ? pct : null;
}

/** Bytes → the largest exact binary unit ("2G", "1536K", "1000"), as systemd's MemoryMax= reads it. */
export function formatBytes(bytes: number): string {
  for (const [unit, f] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return String(bytes);
}
