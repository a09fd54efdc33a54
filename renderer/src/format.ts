/** Formatting for people: durations, bytes, money, states with their tone. Pure. */
import type { Health, ServiceState, VigilEvent } from './store/types.js';

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'unknown';

export const STATE_TONE: Readonly<Record<ServiceState, Tone>> = {
  running: 'ok',
  starting: 'warn',
  stopping: 'warn',
  stopped: 'idle',
  failed: 'bad',
  crashloop: 'bad',
  unknown: 'unknown',
};

export const STATE_LABEL: Readonly<Record<ServiceState, string>> = {
  running: 'Running',
  starting: 'Starting',
  stopping: 'Stopping',
  stopped: 'Stopped',
  failed: 'Failed',
  crashloop: 'Crash loop',
  unknown: 'Unknown',
};

export const SEVERITY_TONE: Readonly<Record<VigilEvent['severity'], Tone>> = {
  info: 'idle',
  warning: 'warn',
  critical: 'bad',
};

export const HEALTH_TONE: Readonly<Record<Health, Tone>> = {
  healthy: 'ok',
  degraded: 'warn',
  down: 'bad',
  unknown: 'unknown',
};
export const HEALTH_LABEL: Readonly<Record<Health, string>> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Health unknown',
};

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`;
}

/** Time since an ISO instant ("—" when unknown). */
export function since(iso: string | null, now: number): string {
  if (iso === null) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '—' : duration(now - t);
}

export function ago(ms: number, now: number): string {
  const d = now - ms;
  if (d < 5_000) return 'just now';
  return `${duration(d).split(' ')[0]} ago`;
}

export function bytes(n: number | null): string {
  if (n === null) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function percent(n: number | null): string {
  if (n === null) return '—';
  return `${n >= 10 ? Math.round(n) : n.toFixed(1)}%`;
}

/** Micro-dollars for people: cents from $1, more digits below (a real cost never shows as $0.00). */
export function usd(micro: number | null): string {
  if (micro === null) return '—';
  const v = micro / 1_000_000;
  if (micro === 0) return '$0.00';
  if (Math.abs(v) >= 1) return `$${v.toFixed(2)}`;
  if (Math.abs(v) >= 0.01) return `$${v.toFixed(3)}`;
  return `$${v.toFixed(5)}`;
}

export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function clockTime(ms: number): string {
  const d = new Date(ms);
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "Why it died", in one sentence, from a crash-like event. */
export function whyItDied(e: VigilEvent): string {
  const x = e.exit;
  if (x?.result === 'memory-limit')
    return 'Over its memory limit: Vigil ended it (the service manager does not enforce the limit here).';
  if (e.type === 'oom-killed' || x?.result === 'oom-kill')
    return 'Killed by the kernel: out of memory (its memory limit or the machine’s).';
  if (e.type === 'start-limit-hit' || x?.result === 'start-limit-hit')
    return 'Restarted too often in a short time: the service manager gave up (start limit).';
  if (e.type === 'crashloop') return `Crash loop: ${x?.reason ?? e.message}.`;
  if (e.type === 'stop-timeout') return `Did not stop in time: ${x?.reason ?? e.message}.`;
  if (x?.signal) return `Killed by signal ${x.signal}${x.reason ? ` — ${x.reason}` : ''}.`;
  if (x?.code !== null && x?.code !== undefined)
    return `Exited with code ${x.code}${x.reason && !x.reason.includes(String(x.code)) ? ` — ${x.reason}` : ''}.`;
  return x?.reason ?? e.message;
}

export const CRASH_TYPES: ReadonlySet<string> = new Set([
  'crashed',
  'killed',
  'crashloop',
  'oom-killed',
  'start-limit-hit',
  'restarted-unhealthy',
]);

/**
 * A cost for people: "unpriced" when nothing behind it had a known price (unpriced requests and no cost),
 * never "$0.00", which would read as free.
 */
export function cost(micro: number, unpricedRequests: number): string {
  return micro === 0 && unpricedRequests > 0 ? 'unpriced' : usd(micro);
}

/** Seconds of uptime for the host strip: "3d 4h", "5h 12m", "7m". */
export function uptimeText(sec: number): string {
  return duration(Math.max(0, sec) * 1000)
    .split(' ')
    .filter((p) => !p.endsWith('s') || sec < 60)
    .join(' ');
}
