/** One host document, a Mac Studio on battery, for the CLI's host line and the dashboard's host strip. */
import type { HostDoc } from '../../agent/core/host.js';

export const STUDIO_HOST: HostDoc = {
  at: '2026-12-02T10:00:00.000Z',
  hostname: 'studio',
  platform: 'darwin',
  cpu: { percent: 23.4, cores: 12 },
  memory: { totalBytes: 64 * 1024 ** 3, availableBytes: 40 * 1024 ** 3, usedPercent: 37.5 },
  load: [2.5, 1.75, 1.1],
  disk: { path: '/Users/me/.vigil', freeBytes: 412 * 1024 ** 3, totalBytes: 994 * 1024 ** 3 },
  uptimeSec: 3 * 86400 + 4 * 3600 + 300,
  power: { source: 'battery', batteryPercent: 81, charging: false },
};
