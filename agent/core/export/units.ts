/** Sizes and CPU shares in the notations of Compose and Kubernetes. Pure. */

const BINARY: [number, string, string][] = [
  [1024 ** 4, 't', 'Ti'],
  [1024 ** 3, 'g', 'Gi'],
  [1024 ** 2, 'm', 'Mi'],
  [1024, 'k', 'Ki'],
];

/** Compose's byte values: 1073741824 → "1g", 1610612736 → "1536m", an odd size in bytes ("1000b"). */
export function composeBytes(n: number): string {
  for (const [size, unit] of BINARY) if (n % size === 0) return `${n / size}${unit}`;
  return `${n}b`;
}

/** A Kubernetes memory quantity: "1Gi", "1536Mi", or plain bytes. */
export function k8sBytes(n: number): string {
  for (const [size, , unit] of BINARY) if (n % size === 0) return `${n / size}${unit}`;
  return String(n);
}

/** Vigil's percent of one core → Compose's `cpus` ("2", "0.5", "0.25"). */
export function composeCpus(percent: number): string {
  return String(Math.round(percent * 10) / 1000);
}

/** Vigil's percent of one core → a Kubernetes CPU quantity ("2", "500m"); at least 1m. */
export function k8sCpu(percent: number): string {
  const milli = Math.max(1, Math.round(percent * 10));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
