/** DiskSpace on statfs(2): what an unprivileged writer can still use (f_bavail), as `df` shows it. */
import { statfsSync } from 'node:fs';
import type { SpaceInfo } from '../../core/disk/condition.js';
import type { DiskSpace } from '../../ports/disk-space.js';

export const statfsSpace: DiskSpace = {
  space(path: string): SpaceInfo | null {
    try {
      const st = statfsSync(path);
      return { path, freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize };
    } catch {
      return null;
    }
  },
};
