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

/** The machine's zone's IANA name (TZ or /etc/localtime, as Node resolves it). Intl: costs ICU's data the first time, which LOCAL_ZONE avoids. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The machine's own zone, as the process's Date sees it (TZ, else /etc/localtime): when no zone is
 * configured, local time comes from Date's getters. An Intl.DateTimeFormat costs the agent about 8 MB of
 * resident memory (ICU's locale data), which an idle agent need not pay; the zone's name is asked of
 * Intl only when shown (zoneName). Not a valid IANA name, so a manifest can never mean it.
 */
export const LOCAL_ZONE = 'local';

/**
 * The IANA name of a zone (LOCAL_ZONE: the machine's, from `system`; the agent gives one that does not ask
 * Intl, adapters/host/zone-name.ts).
 */
export function zoneName(tz: string, system: () => string = systemTimeZone): string {
  return tz === LOCAL_ZONE ? system() : tz;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `[year, month, day, hour]` of ms in the machine's zone, by Date's getters. */
export function localParts(ms: number): [number, number, number, number] {
  const d = new Date(ms);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours()];
}

export class Calendar {
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly cache = new Map<number, LocalTime>();

  constructor(readonly timeZone: string) {
    this.fmt =
      timeZone === LOCAL_ZONE
        ? null
        : new Intl.DateTimeFormat('en-CA', {
            timeZone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            hourCycle: 'h23',
          });
  }

  local(ms: number): LocalTime {
    if (this.fmt === null) {
      // Date's getters are as fast as the cache, and follow a change of TZ at once.
      const [y, m, d, h] = localParts(ms);
      const day = `${y}-${pad(m)}-${pad(d)}`;
      return { day, hour: `${day}T${pad(h)}` };
    }
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
