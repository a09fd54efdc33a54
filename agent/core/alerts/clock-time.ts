/** Local time of day in a time zone (Intl, no I/O): quiet hours and the digest time. */
import { HHMM_RE } from './config.js';
import { LOCAL_ZONE } from '../usage/tz.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Milliseconds since local midnight in `tz` (LOCAL_ZONE: the machine's, without Intl). */
export function msOfDay(at: number, tz: string): number {
  if (tz === LOCAL_ZONE) {
    const d = new Date(at);
    return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds();
  }
  const parts = formatter(tz).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return (
    ((get('hour') % 24) * 3600 + get('minute') * 60 + get('second')) * 1000 + (((at % 1000) + 1000) % 1000)
  );
}

export function hhmmToMs(hhmm: string): number {
  const m = HHMM_RE.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day: ${hhmm}`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

/** Inside [from, to) local time; the window may wrap midnight (22:00–07:00). from == to: never. */
export function inWindow(at: number, from: string, to: string, tz: string): boolean {
  const t = msOfDay(at, tz);
  const a = hhmmToMs(from);
  const b = hhmmToMs(to);
  if (a === b) return false;
  return a < b ? t >= a && t < b : t >= a || t < b;
}

/** The latest moment ≤ at whose local time is `hhmm` (ignores a DST shift inside the last day). */
export function lastOccurrence(at: number, hhmm: string, tz: string): number {
  const day = 86_400_000;
  const diff = (((msOfDay(at, tz) - hhmmToMs(hhmm)) % day) + day) % day;
  return at - diff;
}

/** 90 000 → "1 min 30 s". */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(s / 3600);
  return `${h} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}
