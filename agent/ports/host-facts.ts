/** Facts about the machine (CPU, memory, load, disk, uptime, power), read when asked. */
import type { HostDoc } from '../core/host.js';

export interface HostFacts {
  read(): Promise<HostDoc>;
}
