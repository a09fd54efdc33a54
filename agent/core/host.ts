/** The machine itself, for the host strip (dashboard, `vigil status`): what the agent can tell of it. Pure types. */

export interface HostDoc {
  /** ISO time the facts were read. */
  at: string;
  hostname: string;
  platform: string;
  cpu: {
    /** Busy share of all cores over the last few seconds at most (a fresh window after a long gap), 0–100. */
    percent: number | null;
    cores: number;
  };
  memory: {
    totalBytes: number;
    /** What programs can still get without swapping (MemAvailable on Linux). */
    availableBytes: number;
    /** 100 × (total − available) / total, one decimal. */
    usedPercent: number;
  };
  /** 1, 5 and 15 minute load averages (null where the system has none). */
  load: [number, number, number] | null;
  /** The file system holding VIGIL_HOME (null when it cannot be read). */
  disk: { path: string; freeBytes: number; totalBytes: number } | null;
  uptimeSec: number;
  /** macOS only (null elsewhere): on mains or battery, and the charge. */
  power: { source: 'ac' | 'battery'; batteryPercent: number | null; charging: boolean } | null;
}

export function usedPercent(totalBytes: number, availableBytes: number): number {
  if (totalBytes <= 0) return 0;
  return Math.round(((totalBytes - availableBytes) / totalBytes) * 1000) / 10;
}
