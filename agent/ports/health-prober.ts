/** Asks a service whether it is healthy (an HTTP GET, a TCP connect, a program). Never rejects: a failure is a `down` result. */
import type { ProbeResult } from '../core/health/probe.js';
import type { ProbeSpec } from '../core/health/probe-spec.js';

export type { ProbeResult, ProbeSpec };

export interface HealthProber {
  /** Resolves within about timeoutMs, whatever the endpoint or program does. */
  probe(spec: ProbeSpec, timeoutMs: number): Promise<ProbeResult>;
  /** Releases kept-alive connections (on shutdown). */
  close?(): void;
}
