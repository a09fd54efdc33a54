/**
 * How long a service may take to stop: `stopTimeoutSec` per service, or at the top level for every
 * service (default 30). After a stop request (SIGTERM) the service has this long before it is killed
 * (SIGKILL): systemd's TimeoutStopSec=, launchd's ExitTimeOut and vigil-launch's --stop-timeout all
 * derive from this one number (see the renderers). Pure; renderers import it without zod.
 */
import type { ServiceSpec } from './model.js';

export const DEFAULT_STOP_TIMEOUT_SEC = 30;
export const MIN_STOP_TIMEOUT_SEC = 1;
export const MAX_STOP_TIMEOUT_SEC = 3600;
/**
 * Seconds the OS service manager waits beyond the launcher's own escalation on launchd (which kills only
 * the launcher, not the service's process group): the launcher kills the service at stopTimeoutSec and
 * still has time to record the exit before launchd's SIGKILL.
 */
export const LAUNCHER_MARGIN_SEC = 5;
/** What a client adds to the stop timeout when it waits for a stop (the manager's own steps, the exit hook). */
export const CLIENT_STOP_MARGIN_SEC = 15;

/** The service's stop timeout: its own key over the top-level one over the default. */
export function withStopTimeout(
  spec: ServiceSpec,
  top: number | undefined,
  own: number | undefined,
): ServiceSpec {
  return { ...spec, stopTimeoutSec: own ?? top ?? DEFAULT_STOP_TIMEOUT_SEC };
}

/** The stop timeout of a spec built without the parser (tests, specs stored by older versions): the default. */
export function stopTimeoutOf(spec: Pick<ServiceSpec, 'stopTimeoutSec'>): number {
  return spec.stopTimeoutSec ?? DEFAULT_STOP_TIMEOUT_SEC;
}

/** How long a client waits for stopping (or restarting) these services before it gives up (ms). */
export function stopWaitMs(specs: readonly Pick<ServiceSpec, 'stopTimeoutSec'>[]): number {
  const longest = specs.reduce((m, s) => Math.max(m, stopTimeoutOf(s)), 0);
  return (Math.max(longest, DEFAULT_STOP_TIMEOUT_SEC) + CLIENT_STOP_MARGIN_SEC) * 1000;
}
