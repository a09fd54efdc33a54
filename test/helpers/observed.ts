/** A running `web` service as the manager reports it, for tests of the supervision state machine. */
import type { ObservedStatus } from '../../agent/core/observed.js';

export function observedRunning(since: number, over: Partial<ObservedStatus> = {}): ObservedStatus {
  return {
    service: 'web',
    unit: 'vigil-web.service',
    loaded: true,
    active: 'active',
    sub: 'running',
    pid: 100,
    restarts: 0,
    result: 'success',
    lastExit: null,
    since,
    memoryBytes: null,
    cpuNsec: null,
    ...over,
  };
}
