/** A running `web` service as the manager reports it, for tests of the supervision state machine. */
import type { ObservedStatus } from '../../agent/core/observed.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';

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

/** A plain stored service spec (`/bin/true`, restart always), for supervisor tests. */
export function serviceSpec(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    description: undefined,
    command: ['/bin/true'],
    cwd: undefined,
    env: {},
    credentials: [],
    dependsOn: [],
    restart: { policy: 'always', delaySec: 1, burst: 3, intervalSec: 60 },
    health: undefined,
    metrics: undefined,
    limits: { memoryBytes: undefined, cpuPercent: undefined },
    ...over,
  };
}

/** Service `name` running as `pid` since `since`, after `restarts` restarts by the manager. */
export function runningService(name: string, pid: number, since: number, restarts = 0): ObservedStatus {
  return observedRunning(since, { service: name, unit: `vigil-${name}.service`, pid, restarts });
}
