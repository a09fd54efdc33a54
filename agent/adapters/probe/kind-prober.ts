/** The HealthProber the agent uses: each probe goes to the prober of its kind (HTTP, TCP, exec). */
import type { ProbeResult } from '../../core/health/probe.js';
import type { HealthProber, ProbeSpec } from '../../ports/health-prober.js';
import type { ProcessRunner } from '../../ports/process-runner.js';
import { probeHealth } from '../http/health-probe.js';
import { probeTcp } from './tcp-probe.js';
import { probeExec } from './exec-probe.js';

export class KindProber implements HealthProber {
  constructor(
    /** Exec probes run through it (the agent's one ProcessRunner). */
    private readonly runner: ProcessRunner,
    private readonly now: () => number = Date.now,
  ) {}

  probe(spec: ProbeSpec, timeoutMs: number): Promise<ProbeResult> {
    switch (spec.kind) {
      case 'http':
        return probeHealth(spec.url, timeoutMs, this.now);
      case 'tcp':
        return probeTcp(spec.host, spec.port, timeoutMs, this.now);
      case 'exec':
        return probeExec(this.runner, spec, timeoutMs, this.now);
    }
  }
}
