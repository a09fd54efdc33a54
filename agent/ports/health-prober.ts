/** Asks a service whether it is healthy (HTTP today). Never rejects: a failure is a `down` result. */
import type { ProbeResult } from '../core/health/probe.js';

export type { ProbeResult };

export interface HealthProber {
  /** Resolves within about timeoutMs, whatever the endpoint does. */
  probe(url: string, timeoutMs: number): Promise<ProbeResult>;
  /** Releases kept-alive connections (on shutdown). */
  close?(): void;
}
