/**
 * Spend spikes and runaway services. Pure.
 *
 * Spike: spend in the current local hour above `factor` × the trailing hourly average (the previous 24
 * hours, quiet hours included) and above `minUsd` (warning, once per hour per scope); spend above the
 * hourly cap is its own event (critical, once per hour and cap), whatever the spike check said.
 *
 * Runaway: a service whose token burn (tokens per minute over the last 10 minutes) is at least
 * `minTokensPerMin` and either (a) rises together with its restart rate — ≥ 3 restarts in the window and a
 * burn ≥ 2× its norm — or (b) stays ≥ 10× its norm for 15 minutes. The norm is its average burn over the
 * previous 24 hours since its first usage in them, and there is one only with at least NORM_MIN_HOURS of
 * that history: a new service has no norm, and without a norm nothing is a runaway. Restarts are real
 * crashes only (crashed, killed, oom-killed), never a restart Vigil asked for. Critical; once per hour
 * per service.
 */
import type { NewEvent } from '../events.js';
import { formatUsd, usdToMicro } from './model.js';

export interface SpikeInput {
  /** "total" or a service name. */
  scope: string;
  hour: string;
  currentMicro: number;
  /** Spend of the previous hours (missing hours are zero). */
  previousMicro: readonly number[];
  trailingHours: number;
}

export function spikeEvents(
  inputs: readonly SpikeInput[],
  opts: { factor: number; minUsd: number; hourlyUsd: number | null },
  at: number,
): NewEvent[] {
  const events: NewEvent[] = [];
  const floor = usdToMicro(opts.minUsd);
  for (const s of inputs) {
    const avg = s.previousMicro.reduce((a, b) => a + b, 0) / Math.max(1, s.trailingHours);
    const what = s.scope === 'total' ? 'Spend' : `Spend of ${s.scope}`;
    const head = `${what} this hour (${s.hour.slice(11)}:00) is ${formatUsd(s.currentMicro)}`;
    const data = {
      scope: s.scope,
      hour: s.hour,
      currentMicro: s.currentMicro,
      averageMicro: Math.round(avg),
    };
    // The cap and the spike are two conditions with two keys: a spike warning never hides the cap.
    if (s.scope === 'total' && opts.hourlyUsd !== null && s.currentMicro > usdToMicro(opts.hourlyUsd)) {
      const capMicro = usdToMicro(opts.hourlyUsd);
      events.push({
        key: `hourly-cap:${s.hour}:${capMicro}`,
        at,
        service: null,
        type: 'spend-spike',
        severity: 'critical',
        message: `${head}, above the hourly cap of ${formatUsd(capMicro)}`,
        data: { ...data, capMicro, overCap: true },
      });
    }
    if (s.currentMicro > opts.factor * avg && s.currentMicro >= floor) {
      events.push({
        key: `spike:${s.scope}:${s.hour}`,
        at,
        service: s.scope === 'total' ? null : s.scope,
        type: 'spend-spike',
        severity: 'warning',
        message: `${head}, ${avg > 0 ? `${(s.currentMicro / avg).toFixed(1)}×` : 'far above'} the trailing hourly average of ${formatUsd(Math.round(avg))}`,
        data: { ...data, overCap: false },
      });
    }
  }
  return events;
}

export interface RunawayOptions {
  windowMs: number;
  minTokensPerMin: number;
  restartCount: number;
  restartFactor: number;
  sustainFactor: number;
  sustainMs: number;
}

export const RUNAWAY_DEFAULTS: RunawayOptions = {
  windowMs: 10 * 60_000,
  minTokensPerMin: 20_000,
  restartCount: 3,
  restartFactor: 2,
  sustainFactor: 10,
  sustainMs: 15 * 60_000,
};

export interface RunawayInput {
  service: string;
  /** Tokens per minute over the window. */
  burnPerMin: number;
  /** Average tokens per minute over its usage history (see usageNorm); null: not enough history. */
  normPerMin: number | null;
  /** Crashes within the window. */
  restarts: number;
  /** "2026-11-26T14", for the event key. */
  hour: string;
}

/** Keeps, per service, since when its burn has been far above its norm. */
export class RunawayDetector {
  private readonly aboveSince = new Map<string, number>();

  constructor(private readonly opts: RunawayOptions = RUNAWAY_DEFAULTS) {}

  check(inputs: readonly RunawayInput[], now: number): NewEvent[] {
    const o = this.opts;
    const events: NewEvent[] = [];
    for (const s of inputs) {
      if (s.normPerMin === null) {
        this.aboveSince.delete(s.service);
        continue;
      }
      const hot = s.burnPerMin >= o.minTokensPerMin;
      const far = hot && s.burnPerMin >= o.sustainFactor * s.normPerMin;
      if (far) {
        if (!this.aboveSince.has(s.service)) this.aboveSince.set(s.service, now);
      } else this.aboveSince.delete(s.service);
      const since = this.aboveSince.get(s.service);
      const sustained = since !== undefined && now - since >= o.sustainMs;
      const looping = hot && s.restarts >= o.restartCount && s.burnPerMin >= o.restartFactor * s.normPerMin;
      if (!sustained && !looping) continue;
      const norm =
        s.normPerMin > 0
          ? `${Math.round(s.burnPerMin / s.normPerMin)}× its norm of ${Math.round(s.normPerMin)}/min`
          : 'with no usage in its recent history';
      const why = looping
        ? `while crashing (${s.restarts} crashes in ${Math.round(o.windowMs / 60_000)} min)`
        : `for ${Math.round((now - since!) / 60_000)} min`;
      events.push({
        key: `runaway:${s.service}:${s.hour}`,
        at: now,
        service: s.service,
        type: 'runaway',
        severity: 'critical',
        message: `${s.service} looks like a runaway: ${Math.round(s.burnPerMin)} tokens/min, ${norm}, ${why}`,
        data: {
          burnPerMin: Math.round(s.burnPerMin),
          normPerMin: Math.round(s.normPerMin),
          restarts: s.restarts,
          looping,
          sustained,
        },
      });
    }
    return events;
  }
}

/** Hours of usage history a service needs before it has a norm. */
export const NORM_MIN_HOURS = 3;

/**
 * The norm: tokens per minute over the previous hours since the first one with usage (oldest first,
 * missing hours zero), or null with fewer than NORM_MIN_HOURS of such history.
 */
export function usageNorm(previousTokens: readonly number[]): number | null {
  const first = previousTokens.findIndex((t) => t > 0);
  if (first < 0) return null;
  const hours = previousTokens.length - first;
  if (hours < NORM_MIN_HOURS) return null;
  return previousTokens.slice(first).reduce((a, t) => a + t, 0) / (hours * 60);
}

/**
 * Tokens are summed per BURN_BUCKET_MS in the burn window: a service's window holds at most
 * windowMs / BURN_BUCKET_MS + 1 sums however fast its entries come (one object per entry was ~3 million over
 * 10 minutes at 5,000 lines/s). A bucket counts in full while its start is inside the window, so the rate is
 * off by at most one second's tokens at the window's edge.
 */
export const BURN_BUCKET_MS = 1000;

/** Recent usage per service in memory (the window of the runaway detector), fed as entries are stored. */
export class BurnWindow {
  private readonly buckets = new Map<string, Map<number, number>>();

  constructor(private readonly windowMs: number = RUNAWAY_DEFAULTS.windowMs) {}

  /** `now`, when given, drops a sample already older than the window (a backlog of old lines). */
  add(service: string, at: number, tokens: number, now?: number): void {
    const bucket = Math.floor(at / BURN_BUCKET_MS) * BURN_BUCKET_MS;
    if (now !== undefined && bucket < this.first(now)) return;
    let m = this.buckets.get(service);
    if (!m) this.buckets.set(service, (m = new Map()));
    m.set(bucket, (m.get(bucket) ?? 0) + tokens);
  }

  /** Tokens per minute over the window ending now; drops older buckets. */
  perMinute(service: string, now: number): number {
    const m = this.buckets.get(service);
    if (!m) return 0;
    const first = this.first(now);
    let sum = 0;
    for (const [bucket, tokens] of m) {
      if (bucket < first) m.delete(bucket);
      else if (bucket <= now) sum += tokens;
    }
    return sum / (this.windowMs / 60_000);
  }

  /** Buckets held for a service (tests). */
  size(service: string): number {
    return this.buckets.get(service)?.size ?? 0;
  }

  private first(now: number): number {
    return Math.floor((now - this.windowMs) / BURN_BUCKET_MS) * BURN_BUCKET_MS;
  }

  services(): string[] {
    return [...this.buckets.keys()];
  }
}
