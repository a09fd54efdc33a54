/**
 * DiskSpace on statfs(2): what this process can still write. For an ordinary user that is f_bavail (as
 * `df` shows it); root may also use the blocks reserved for it (f_bfree), so a disk that `df` shows full
 * is not full for an agent running as root.
 */
import { statfsSync } from 'node:fs';
import type { SpaceInfo } from '../../core/disk/condition.js';
import type { DiskSpace } from '../../ports/disk-space.js';

export const statfsSpace: DiskSpace = {
  space(path: string): SpaceInfo | null {
    try {
      const st = statfsSync(path);
      const blocks = process.getuid?.() === 0 ? st.bfree : st.bavail;
      return { path, freeBytes: blocks * st.bsize, totalBytes: st.blocks * st.bsize };
    } catch {
      return null;
    }
  },
};
