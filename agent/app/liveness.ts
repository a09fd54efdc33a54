/**
 * Liveness restarts: when the health monitor says a running service failed `health.restartAfterFailures`
 * probes in a row, restart it through the service manager (as `vigil restart` would), record a
 * `restarted-unhealthy` event with the last probe error, and count the restart as a failure toward
 * crash-loop detection (a service that hangs again and again is crash-looping even though it never exits).
 */
import type { NewEvent } from '../core/events.js';
import { describeProbe } from '../core/health/probe-spec.js';
import type { ServiceManager } from '../ports/service-manager.js';
import type { LivenessRestart } from './health-monitor.js';

export interface LivenessDeps {
  manager: Pick<ServiceManager, 'restart'>;
  record(events: NewEvent[]): void;
  /** Counts one failure of the service at `at` toward crash-loop detection. */
  countFailure(service: string, at: number): void;
  /** The restart was refused or failed; the monitor may count again. */
  released(service: string): void;
  /** Something went wrong (`what`: "restart" or "log tail"); the agent logs it. */
  onError(err: unknown, service: string, what: 'restart' | 'log tail'): void;
  /** The last lines of the service's log (redacted), kept with the event: what the hung process said last. */
  readLogTail?: (service: string, lines: number) => Promise<string[]>;
}

const LOG_TAIL_LINES = 20;

export class Liveness {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: LivenessDeps) {}

  /** Starts each restart (not awaited: a slow stop never delays the tick); one at a time per service. */
  restart(requests: readonly LivenessRestart[], now: number): void {
    for (const req of requests) {
      if (this.inFlight.has(req.service)) continue;
      const run = this.logTail(req.service)
        .then(async (logTail) => {
          await this.deps.manager.restart([req.service]);
          this.deps.countFailure(req.service, now);
          this.deps.record([{ ...restartedEvent(req, now), ...(logTail ? { logTail } : {}) }]);
        })
        .catch((err: unknown) => {
          this.deps.released(req.service);
          this.deps.onError(err, req.service, 'restart');
        })
        .finally(() => this.inFlight.delete(req.service));
      this.inFlight.set(req.service, run);
    }
  }

  /** Read before the restart (the log is the hung process's until then); a tail that cannot be read is left out. */
  private async logTail(service: string): Promise<string[] | null> {
    if (!this.deps.readLogTail) return null;
    try {
      return await this.deps.readLogTail(service, LOG_TAIL_LINES);
    } catch (err) {
      this.deps.onError(err, service, 'log tail');
      return null;
    }
  }

  /** Resolves when every restart under way has finished (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight.values());
  }
}

export function restartedEvent(req: LivenessRestart, at: number): NewEvent {
  const last = req.error ?? 'probe failed';
  return {
    key: `restarted-unhealthy:${req.service}:${req.pid ?? 'none'}:${at}`,
    at,
    service: req.service,
    type: 'restarted-unhealthy',
    severity: 'warning',
    message: `${req.service} was restarted after ${req.failures} failed health checks in a row (last: ${last})`,
    data: { pid: req.pid, failures: req.failures, probe: describeProbe(req.probe), error: req.error },
  };
}
