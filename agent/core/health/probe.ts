/** What one HTTP health probe found. Pure types and interpretation (the HTTP call is an adapter). */

export type ProbeHealth = 'healthy' | 'degraded' | 'down';

export interface ProbeResult {
  health: ProbeHealth;
  httpStatus: number | null;
  latencyMs: number;
  /** The body's `status` field, when it had one. */
  reported: string | null;
  /** The body's `checks` object, kept for display. */
  checks: Record<string, unknown> | null;
  /** Why it is down: timeout, connection refused, HTTP 503… */
  error: string | null;
  /** When the probe started (ms since the epoch). */
  at: number;
}

/** The result of a probe that only passes or fails (TCP, exec): no status code, no body. */
export function passOrFail(error: string | null, latencyMs: number, at: number): ProbeResult {
  return {
    health: error === null ? 'healthy' : 'down',
    httpStatus: null,
    latencyMs,
    reported: null,
    checks: null,
    error,
    at,
  };
}

const HEALTHY = new Set(['healthy', 'ok', 'pass', 'up', 'green', 'serving']);
const DEGRADED = new Set(['degraded', 'warn', 'warning', 'yellow', 'partial']);

/** Status code and body → health. 2xx is up; a JSON `status` field refines it (unknown words count as down). */
export function interpret(status: number, body: string): Omit<ProbeResult, 'latencyMs' | 'at'> {
  let reported: string | null = null;
  let checks: Record<string, unknown> | null = null;
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const s = (json as { status?: unknown }).status;
      if (typeof s === 'string') reported = s;
      const c = (json as { checks?: unknown }).checks;
      if (c && typeof c === 'object' && !Array.isArray(c)) checks = c as Record<string, unknown>;
    }
  } catch {
    // not JSON: the status code alone decides
  }
  const ok = status >= 200 && status < 300;
  if (!ok) return { health: 'down', httpStatus: status, reported, checks, error: `HTTP ${status}` };
  const r = reported?.toLowerCase();
  if (r && DEGRADED.has(r)) return { health: 'degraded', httpStatus: status, reported, checks, error: null };
  if (r && !HEALTHY.has(r))
    return { health: 'down', httpStatus: status, reported, checks, error: `reported status "${reported}"` };
  return { health: 'healthy', httpStatus: status, reported, checks, error: null };
}
