/**
 * Per-service health: the process state combined with the last probe, with a stable period before a
 * service counts as healthy again (so a flapping service never looks green). Pure: one step per service
 * per tick; the shown health changes at once for the worse and only after `stableMs` for the better.
 *
 * Beside the shown health the snapshot keeps the raw one (what the latest observation alone says, with no
 * stability wait) and since when: alerts time "down" and "degraded" on the raw health, so the stable
 * period delays only the green status, never a page (and never makes a page out of a service that is up).
 */
import type { NewEvent } from '../events.js';
import type { Health, ServiceState } from '../status.js';
import type { ProbeResult } from './probe.js';

export interface HealthSnapshot {
  /** The health shown (status, API, alerts). */
  health: Health;
  /** Since when it has been shown (ms). */
  since: number;
  /** Start of the current uninterrupted run of healthy observations, if in one. */
  streakSince: number | null;
  /** Why the service has this health, for people. */
  reason: string | null;
  /** What the latest observation alone says (no stability wait): the alert timers run on this. */
  raw: Health;
  /** Since when `raw` has been what it is (ms). */
  rawSince: number;
}

export interface HealthInput {
  service: string;
  state: ServiceState;
  /** When the process state last changed (ms), if known. */
  processSince: number | null;
  /** Whether the manifest configures an HTTP probe for it. */
  probed: boolean;
  /** The newest probe result, if any. */
  probe: ProbeResult | null;
  stableMs: number;
  now: number;
}

export interface HealthStep {
  next: HealthSnapshot;
  event: NewEvent | null;
}

export function initialHealth(now: number): HealthSnapshot {
  return { health: 'unknown', since: now, streakSince: null, reason: null, raw: 'unknown', rawSince: now };
}

/** A snapshot persisted before `raw` existed: its raw health is taken to be the shown one. */
export function withRaw(
  s: Omit<HealthSnapshot, 'raw' | 'rawSince'> & Partial<HealthSnapshot>,
): HealthSnapshot {
  return { ...s, raw: s.raw ?? s.health, rawSince: s.rawSince ?? s.since };
}

/** A probe taken before the current process started says nothing about it (1 s slack: systemd's timestamps are whole seconds). */
export function probeIsCurrent(probe: ProbeResult | null, processSince: number | null): probe is ProbeResult {
  return probe !== null && (processSince === null || probe.at >= processSince - 1000);
}

/** What this tick alone says: null when it says nothing new (running, probed, no current probe yet). */
export function instantHealth(input: HealthInput): { health: Health; reason: string } | null {
  switch (input.state) {
    case 'unknown':
      return { health: 'unknown', reason: 'the service manager does not know the unit' };
    case 'stopped':
      return { health: 'down', reason: 'stopped' };
    case 'failed':
      return { health: 'down', reason: 'failed' };
    case 'crashloop':
      return { health: 'down', reason: 'crash-looping' };
    case 'starting':
      return { health: 'down', reason: 'starting' };
    case 'stopping':
      return { health: 'down', reason: 'stopping' };
    case 'running':
      if (!input.probed) return { health: 'healthy', reason: 'running' };
      if (!probeIsCurrent(input.probe, input.processSince)) return null;
      return { health: input.probe.health, reason: probeReason(input.probe) };
  }
}

function probeReason(p: ProbeResult): string {
  if (p.health === 'healthy') {
    if (p.reported) return `probe: ${p.reported}`;
    return p.httpStatus === null ? 'probe: passed' : `probe: HTTP ${p.httpStatus}`; // tcp and exec have no status
  }
  if (p.error) return `probe: ${p.error}`;
  return `probe: reported "${p.reported ?? p.health}"`;
}

export function stepHealth(prev: HealthSnapshot, input: HealthInput): HealthStep {
  const { now } = input;
  const seen = instantHealth(input);
  let next: HealthSnapshot;
  if (seen === null) {
    // Says nothing new: the raw health stays (a new process is not up until a probe says so).
    next = { ...prev, reason: prev.reason ?? 'waiting for the first probe' };
  } else if (seen.health === 'healthy') {
    const streakSince =
      prev.streakSince ??
      (input.probed ? (input.probe?.at ?? now) : Math.min(now, input.processSince ?? now));
    const stable = now - streakSince >= input.stableMs;
    const raw = rawStep(prev, 'healthy', input);
    if (stable || prev.health === 'healthy') {
      next = {
        health: 'healthy',
        since: prev.health === 'healthy' ? prev.since : now,
        streakSince,
        reason: seen.reason,
        ...raw,
      };
    } else {
      const left = Math.ceil((input.stableMs - (now - streakSince)) / 1000);
      next = {
        ...prev,
        streakSince,
        reason: `${seen.reason}; healthy after ${left} s more of stability`,
        ...raw,
      };
    }
  } else {
    next = {
      health: seen.health,
      since: prev.health === seen.health ? prev.since : now,
      streakSince: null,
      reason: seen.reason,
      ...rawStep(prev, seen.health, input),
    };
  }
  const changed = next.health !== prev.health && next.health !== 'unknown';
  return { next, event: changed ? healthEvent(input.service, prev.health, next, input.probe) : null };
}

/**
 * The raw health and since when. A change is dated when it happened, not when this tick saw it: the
 * probe's time for probe news, the process state's change for state news (a crash seen a tick late is
 * down from the crash); never before the previous change, never in the future.
 */
function rawStep(
  prev: HealthSnapshot,
  raw: Health,
  input: HealthInput,
): Pick<HealthSnapshot, 'raw' | 'rawSince'> {
  if (prev.raw === raw) return { raw, rawSince: prev.rawSince };
  const fromProbe = input.state === 'running' && input.probed;
  const happened = (fromProbe ? input.probe?.at : input.processSince) ?? input.now;
  return { raw, rawSince: Math.min(input.now, Math.max(prev.rawSince, happened)) };
}

function healthEvent(service: string, from: Health, to: HealthSnapshot, probe: ProbeResult | null): NewEvent {
  const type =
    to.health === 'healthy' ? 'health-ok' : to.health === 'degraded' ? 'health-degraded' : 'health-down';
  const words = to.health === 'healthy' ? 'is healthy' : to.health === 'degraded' ? 'is degraded' : 'is down';
  return {
    key: `health:${service}:${to.health}:${to.since}`,
    at: to.since,
    service,
    type,
    severity: to.health === 'healthy' ? 'info' : 'warning',
    message: `${service} ${words}${to.reason ? ` (${to.reason})` : ''}`,
    data: {
      from,
      to: to.health,
      ...(probe
        ? {
            probe: {
              health: probe.health,
              httpStatus: probe.httpStatus,
              error: probe.error,
              latencyMs: probe.latencyMs,
            },
          }
        : {}),
    },
  };
}

const HEALTH_RANK: Readonly<Record<Health, number>> = { healthy: 0, unknown: 1, degraded: 2, down: 3 };

/** The worst health (what a menu bar shows); `healthy` for none. */
export function worstHealth(list: readonly Health[]): Health {
  return list.reduce<Health>((w, h) => (HEALTH_RANK[h] > HEALTH_RANK[w] ? h : w), 'healthy');
}

/**
 * Overall health of the machine: the worst of every service that is meant to run. A service stopped on
 * purpose (state `stopped`, or `stopping` on its way there) does not make the whole machine look down.
 */
export function overallHealth(services: readonly { state: ServiceState; health: Health }[]): Health {
  return worstHealth(
    services.filter((s) => s.state !== 'stopped' && s.state !== 'stopping').map((s) => s.health),
  );
}
