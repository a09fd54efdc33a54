/**
 * The budget's calendar: which local day, hour and month a moment belongs to, in a configurable time zone
 * (the budget day starts at the user's local midnight). Pure (Intl), and cheap on the ingest path: every
 * zone's offset is a multiple of 15 minutes, so the local hour is constant within a 15-minute UTC slot and
 * is computed once per slot.
 */

const SLOT_MS = 15 * 60 * 1000;

export interface LocalTime {
  /** "2026-11-26" */
  day: string;
  /** "2026-11-26T14" */
  hour: string;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The machine's zone (TZ or /etc/localtime, as Node resolves it). */
let systemZone: { env: string | undefined; zone: string } | null = null;

/** The machine's zone. Asked once per TZ value (Node resets ICU's default zone only when TZ is set). */
export function systemTimeZone(): string {
  const env = process.env.TZ;
  if (systemZone === null || systemZone.env !== env) systemZone = { env, zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' };
  return systemZone.zone;
}

export class Calendar {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, LocalTime>();

  constructor(readonly timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
  }

  local(ms: number): LocalTime {
    const slot = Math.floor(ms / SLOT_MS);
    const hit = this.cache.get(slot);
    if (hit) return hit;
    const p: Record<string, string> = {};
    for (const part of this.fmt.formatToParts(ms)) p[part.type] = part.value;
    const day = `${p.year}-${p.month}-${p.day}`;
    const t = { day, hour: `${day}T${p.hour === '24' ? '00' : p.hour}` };
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(slot, t);
    return t;
  }

  day(ms: number): string {
    return this.local(ms).day;
  }

  hour(ms: number): string {
    return this.local(ms).hour;
  }

  month(ms: number): string {
    return this.local(ms).day.slice(0, 7);
  }

  /** The local hours of the `count` hours before the one containing `ms` (oldest first, duplicates removed). */
  previousHours(ms: number, count: number): string[] {
    const current = this.hour(ms);
    const out: string[] = [];
    for (let k = count; k >= 1; k--) {
      const h = this.hour(ms - k * 3_600_000);
      if (h !== current && out.at(-1) !== h) out.push(h);
    }
    return out;
  }
}

/** "2026-11-26" plus n days (calendar arithmetic, no zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The `count` days ending with `last`, oldest first. */
export function dayRange(last: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addDays(last, i - count + 1));
}

export function isDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && addDays(s, 0) === s;
}

export function isMonth(s: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
}

/** First and last day of a month "2026-11" → ["2026-11-01", "2026-11-30"]. */
export function monthDays(month: string): [string, string] {
  const first = `${month}-01`;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return [first, last];
}
