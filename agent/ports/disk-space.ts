/** Free space on a file system (statfs in production, a fake in tests). */
import type { SpaceInfo } from '../core/disk/condition.js';

export interface DiskSpace {
  /** The space on the file system holding `path`; null when it cannot be read. Never throws. */
  space(path: string): SpaceInfo | null;
}
