/**
 * The launcher's share of `dependsOn: { x: healthy }`: the vigil-launch options that make a service wait
 * for its healthy dependencies before it starts (agent/launcher/waitdep.c), and how long that may take,
 * for the service manager's start timeout. Both backends render the same options. Pure.
 */
import type { ProbeSpec } from '../health/probe-spec.js';
import type { DependencyWait, ServiceSpec } from './model.js';

/** How long a service waits for its healthy dependencies, all together, before it gives up (exit 75). */
export const DEPENDENCY_WAIT_SEC = 60;

/** Each try is bounded by the dependency's own probe timeout, but never by more than the whole wait. */
function attemptMs(waits: readonly DependencyWait[]): number {
  const longest = Math.max(...waits.map((w) => w.timeoutSec));
  return Math.max(1, Math.round(Math.min(longest, DEPENDENCY_WAIT_SEC) * 1000));
}

/** `%` and `,` percent-encoded: the launcher splits exec argv at commas. */
function encodeArg(arg: string): string {
  return arg.replace(/%/g, '%25').replace(/,/g, '%2C');
}

/**
 * One --wait-for value. The launcher speaks plain HTTP only, so an https probe is waited for as a TCP
 * connect to its host and port (the agent's own probe still checks the answer).
 */
export function waitTarget(probe: ProbeSpec): string {
  switch (probe.kind) {
    case 'http': {
      const u = new URL(probe.url);
      const host = u.hostname; // "[::1]" keeps its brackets
      if (u.protocol === 'https:') return `tcp:${host}:${u.port || '443'}`;
      return `http:http://${host}:${u.port || '80'}${u.pathname}${u.search}`;
    }
    case 'tcp':
      return `tcp:${probe.host.includes(':') ? `[${probe.host}]` : probe.host}:${probe.port}`;
    case 'exec':
      // In the dependency's own directory when it has one, as the agent runs the probe.
      return probe.cwd === undefined
        ? `exec:${probe.argv.map(encodeArg).join(',')}`
        : `execin:${[probe.cwd, ...probe.argv].map(encodeArg).join(',')}`;
  }
}

/** The options to put before `--` (none for a service without healthy dependencies). */
export function waitArgs(spec: Pick<ServiceSpec, 'waitFor'>): string[] {
  const waits = spec.waitFor ?? [];
  if (waits.length === 0) return [];
  return [
    ...waits.flatMap((w) => ['--wait-for', `${w.service}=${waitTarget(w.probe)}`]),
    '--wait-timeout',
    String(DEPENDENCY_WAIT_SEC),
    '--wait-attempt-ms',
    String(attemptMs(waits)),
  ];
}

/**
 * The longest the launcher can take before it runs the program: the whole wait, plus one last try that
 * may start just before the deadline. The service manager's start timeout must exceed it.
 */
export function maxWaitSec(spec: Pick<ServiceSpec, 'waitFor'>): number {
  const waits = spec.waitFor ?? [];
  return waits.length === 0 ? 0 : DEPENDENCY_WAIT_SEC + attemptMs(waits) / 1000;
}

/** Room after the wait for the program to start and the launcher to say READY=1 (s). */
const START_AFTER_WAIT_SEC = 15;

/** The start timeout rendered for a service with healthy dependencies (TimeoutStartSec=); undefined without. */
export function startTimeoutSec(spec: Pick<ServiceSpec, 'waitFor'>): number | undefined {
  const wait = maxWaitSec(spec);
  return wait > 0 ? Math.ceil(wait) + START_AFTER_WAIT_SEC : undefined;
}

/** How long a start takes at most without a dependency wait, as far as a client is concerned (s). */
export const PLAIN_START_WAIT_SEC = 30;
/** What a client adds to the start timeout (the manager's own steps). */
export const CLIENT_START_MARGIN_SEC = 15;

/**
 * How long a client waits for starting these services before it gives up (ms): the longest start timeout
 * (services with healthy dependencies wait for them first, up to a minute and a try), plus a margin, so
 * that a start still in progress is never reported as failed.
 */
export function startWaitMs(services: readonly { startTimeoutSec?: number }[]): number {
  const longest = services.reduce((m, s) => Math.max(m, s.startTimeoutSec ?? 0), 0);
  return (Math.max(longest, PLAIN_START_WAIT_SEC) + CLIENT_START_MARGIN_SEC) * 1000;
}

/** `{ startTimeoutSec }` for the status document, or nothing for a service that waits for no dependency. */
export function startTimeoutField(spec: Pick<ServiceSpec, 'waitFor'>): { startTimeoutSec?: number } {
  const sec = startTimeoutSec(spec);
  return sec === undefined ? {} : { startTimeoutSec: sec };
}
