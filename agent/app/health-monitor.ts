/**
 * Probes every service that has a `health` probe (url, tcp or exec), each on its own interval, and
 * folds probe results and process state into per-service health (core/health/machine). Driven by the agent's tick: a due probe
 * is started and not awaited, so a hung endpoint (bounded by its own timeout) never delays the tick or
 * another service's probe; at most one probe per service is in flight. A service whose main PID changed
 * is probed at once.
 *
 * Liveness (`health.restartAfterFailures: N`): failed (`down`) probes of the same running process are
 * counted; a passing or degraded one (it answers) resets the count. At N the tick asks for a restart, and
 * the count stays held until the process is replaced (a new main PID) or the restart is released as
 * failed, so one hung process is restarted once, not once per probe while its restart is under way.
 */
import type { NewEvent } from '../core/events.js';
import type { Health, ServiceStatus, StatusDoc } from '../core/status.js';
import { initialHealth, stepHealth, withRaw, type HealthSnapshot } from '../core/health/machine.js';
import type { ProbeResult } from '../core/health/probe.js';
import type { HealthPart } from '../core/status-parts.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { HealthProber } from '../ports/health-prober.js';
import type { ProbeSpec } from '../core/health/probe-spec.js';

export const DEFAULT_STABLE_SEC = 10;

export interface HealthServiceInput {
  name: string;
  spec: Pick<ServiceSpec, 'health'>;
}

interface Probed {
  last: ProbeResult | null;
  nextAt: number;
  inFlight: Promise<void> | null;
  pid: number | null;
  /** The probe spec (JSON): a changed probe starts afresh. */
  key: string;
  /** Probes done and failed (for metrics). */
  counts: Record<'healthy' | 'degraded' | 'down', number>;
  /** Consecutive failed probes of this process (liveness), and the last one's error. */
  failures: number;
  lastError: string | null;
  /** A liveness restart was asked for this process: nothing is counted until it is replaced or released. */
  held: boolean;
}

/** A liveness restart the tick asks for: the service failed `failures` probes in a row. */
export interface LivenessRestart {
  service: string;
  pid: number | null;
  failures: number;
  /** The last failed probe's error (timeout, connection refused, exit code…). */
  error: string | null;
  probe: ProbeSpec;
}

export interface HealthView {
  health: Health;
  since: number;
  reason: string | null;
  probe: ProbeResult | null;
  /** What the latest observation alone says, and since when (the alert timers). */
  raw: Health;
  rawSince: number;
}

export class HealthMonitor {
  private snapshots: Record<string, HealthSnapshot>;
  private readonly probes = new Map<string, Probed>();

  constructor(
    private readonly prober: HealthProber,
    restored: Record<string, HealthSnapshot> = {},
    /** After every change of what `part` returns: a tick, a probe result. */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.snapshots = Object.fromEntries(Object.entries(restored).map(([k, v]) => [k, withRaw(v)]));
  }

  /**
   * One tick: starts due probes, then steps every service's health with what is known now. Returns
   * the health events, whether the snapshots changed (to persist) and the liveness restarts now due.
   */
  tick(
    services: readonly HealthServiceInput[],
    status: StatusDoc,
    now: number,
  ): { events: NewEvent[]; changed: boolean; restarts: LivenessRestart[] } {
    const byName = new Map(status.services.map((s) => [s.name, s]));
    this.schedule(services, byName, now);
    const events: NewEvent[] = [];
    const next: Record<string, HealthSnapshot> = {};
    let changed = false;
    for (const svc of services) {
      const st = byName.get(svc.name);
      if (!st) continue;
      const prev = this.snapshots[svc.name] ?? initialHealth(now);
      const out = stepHealth(prev, {
        service: svc.name,
        state: st.state,
        processSince: st.since === null ? null : Date.parse(st.since),
        probed: svc.spec.health !== undefined,
        probe: this.probes.get(svc.name)?.last ?? null,
        stableMs: (svc.spec.health?.stableSec ?? DEFAULT_STABLE_SEC) * 1000,
        now,
      });
      next[svc.name] = out.next;
      if (out.event) events.push(out.event);
      if (!sameSnapshot(prev, out.next) || !this.snapshots[svc.name]) changed = true;
    }
    if (Object.keys(next).length !== Object.keys(this.snapshots).length) changed = true;
    this.snapshots = next;
    const restarts = this.dueRestarts(services, byName);
    this.onChange();
    return { events, changed, restarts };
  }

  private dueRestarts(
    services: readonly HealthServiceInput[],
    byName: Map<string, ServiceStatus>,
  ): LivenessRestart[] {
    const out: LivenessRestart[] = [];
    for (const svc of services) {
      const limit = svc.spec.health?.restartAfterFailures;
      const p = this.probes.get(svc.name);
      if (!limit || !p || p.held || p.failures < limit) continue;
      const st = byName.get(svc.name);
      if (st?.state !== 'running' || st.pid !== p.pid) continue;
      out.push({
        service: svc.name,
        pid: p.pid,
        failures: p.failures,
        error: p.lastError,
        probe: svc.spec.health!.probe,
      });
      p.failures = 0;
      p.held = true;
    }
    return out;
  }

  /** The liveness restart of a service did not happen (the manager refused): counting starts again. */
  releaseRestart(service: string): void {
    const p = this.probes.get(service);
    if (p) p.held = false;
  }

  private schedule(
    services: readonly HealthServiceInput[],
    byName: Map<string, ServiceStatus>,
    now: number,
  ): void {
    const wanted = new Set<string>();
    for (const svc of services) {
      const h = svc.spec.health;
      if (!h) continue;
      wanted.add(svc.name);
      const st = byName.get(svc.name);
      let p = this.probes.get(svc.name);
      const key = JSON.stringify(h.probe);
      if (!p || p.key !== key) {
        p = {
          last: null,
          nextAt: now,
          inFlight: null,
          pid: st?.pid ?? null,
          key,
          counts: { healthy: 0, degraded: 0, down: 0 },
          failures: 0,
          lastError: null,
          held: false,
        };
        this.probes.set(svc.name, p);
      }
      const pid = st?.pid ?? null;
      if (pid !== p.pid) {
        p.pid = pid;
        p.nextAt = Math.min(p.nextAt, now); // a new process: look at it at once
        p.failures = 0;
        p.held = false;
      }
      // A live process is probed, in a crash loop too: when the loop ends, its health is already known.
      const live =
        st !== undefined && (st.state === 'running' || (st.state === 'crashloop' && st.pid !== null));
      if (p.inFlight || now < p.nextAt || !live) continue;
      p.nextAt = now + h.intervalSec * 1000;
      const entry = p;
      const probedPid = pid;
      entry.inFlight = this.prober
        .probe(h.probe, h.timeoutSec * 1000)
        .then((r) => {
          if (this.probes.get(svc.name) !== entry) return;
          entry.last = r;
          entry.counts[r.health]++;
          this.onChange();
          // Liveness counts only what this process answered: a result arriving after it was replaced is not
          // the new process's failure.
          if (entry.pid !== probedPid || entry.held) return;
          entry.failures = r.health === 'down' ? entry.failures + 1 : 0;
          entry.lastError = r.error;
        })
        .finally(() => {
          entry.inFlight = null;
        });
    }
    for (const name of this.probes.keys()) if (!wanted.has(name)) this.probes.delete(name);
  }

  /** Resolves when every probe in flight has finished (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.probes.values()].map((p) => p.inFlight));
  }

  /** On shutdown: probes in flight are abandoned (each ends by its timeout), kept-alive connections closed. */
  close(): void {
    this.prober.close?.();
  }

  inFlight(): number {
    return [...this.probes.values()].filter((p) => p.inFlight !== null).length;
  }

  snapshot(): Record<string, HealthSnapshot> {
    return this.snapshots;
  }

  view(service: string): HealthView | null {
    const s = this.snapshots[service];
    if (!s) return null;
    return {
      health: s.health,
      since: s.since,
      reason: s.reason,
      probe: this.probes.get(service)?.last ?? null,
      raw: s.raw,
      rawSince: s.rawSince,
    };
  }

  probeCounts(service: string): Record<'healthy' | 'degraded' | 'down', number> | null {
    return this.probes.get(service)?.counts ?? null;
  }

  /** Each service's health, its reason and the last probe, as the status document shows them. */
  part(): Map<string, HealthPart> {
    const out = new Map<string, HealthPart>();
    for (const name of Object.keys(this.snapshots)) {
      const v = this.view(name)!;
      const p = v.probe;
      out.set(name, {
        health: v.health,
        healthReason: v.reason,
        healthSince: new Date(v.since).toISOString(),
        probe: p
          ? {
              health: p.health,
              httpStatus: p.httpStatus,
              latencyMs: p.latencyMs,
              reported: p.reported,
              checks: p.checks,
              error: p.error,
              at: new Date(p.at).toISOString(),
            }
          : null,
      });
    }
    return out;
  }
}

function sameSnapshot(a: HealthSnapshot, b: HealthSnapshot): boolean {
  return (
    a.health === b.health &&
    a.since === b.since &&
    a.streakSince === b.streakSince &&
    a.reason === b.reason &&
    a.raw === b.raw &&
    a.rawSince === b.rawSince
  );
}
