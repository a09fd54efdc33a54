/**
 * The disk-full condition, pure: which write errors mean "no space" (SQLite's SQLITE_FULL and the I/O
 * errors a full disk causes, ENOSPC/EDQUOT from the file system), the messages that name what failed and
 * how much space is left, and the state itself: entered on the first such failure (or when the file
 * system reports no free space), left once a write goes through again with space free. Time is an input.
 */

/** Space on the file system that holds VIGIL_HOME (statfs). */
export interface SpaceInfo {
  /** The directory that was asked about. */
  path: string;
  /** Bytes an unprivileged writer can still use. */
  freeBytes: number;
  totalBytes: number;
}

export type DiskState = 'ok' | 'disk-full';

/** `disk` in the status document (vigil status, doctor, the dashboard). */
export interface DiskStatus {
  state: DiskState;
  /** ISO time the condition began (null when ok). */
  since: string | null;
  /** What failed last: "the database /h/vigil.db", "the exit journal…" (null when ok). */
  what: string | null;
  /** The error, with the space left: "SQLITE_FULL: database or disk is full; 0 B free of 20.0 MiB on /h". */
  message: string | null;
  /** Free bytes on VIGIL_HOME's file system at the last look. */
  freeBytes: number | null;
  totalBytes: number | null;
  /** Write failures since the condition began. */
  failures: number;
  /** Events kept in memory until they can be stored. */
  pendingEvents: number;
  /** Exit records kept in `<journal>.pending` until the journal can be written. */
  pendingExits: number;
}

/** Below this many free bytes the file system counts as full even before a write has failed. */
export const FULL_BELOW_BYTES = 64 * 1024;

const FULL_SQLITE = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR_WRITE',
  'SQLITE_IOERR_FSYNC',
  'SQLITE_IOERR_SHMSIZE',
  'SQLITE_IOERR_TRUNCATE',
]);
const FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT']);

/** The error's code, looking through VigilError causes (at most a few levels). */
function codes(err: unknown): { code: string; message: string }[] {
  const out: { code: string; message: string }[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e !== null && typeof e === 'object'; i++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown };
    out.push({
      code: typeof o.code === 'string' ? o.code : '',
      message: typeof o.message === 'string' ? o.message : '',
    });
    e = o.cause;
  }
  return out;
}

/**
 * True when a write failed for lack of space: SQLITE_FULL ("database or disk is full"), the SQLite I/O
 * errors of a write, truncate or fsync (what a full disk gives under WAL), SQLITE_IOERR itself, or
 * ENOSPC/EDQUOT. Other failures (a corrupt file, a locked database) are not this condition.
 */
export function isDiskFullError(err: unknown): boolean {
  return codes(err).some(
    ({ code, message }) =>
      FULL_SQLITE.has(code) ||
      code === 'SQLITE_IOERR' ||
      FULL_ERRNO.has(code) ||
      /database or disk is full|no space left on device/i.test(message),
  );
}

/** "20.0 MiB", "512 B". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** "0 B free of 20.0 MiB on /h" (or that the space could not be read). */
export function describeSpace(space: SpaceInfo | null): string {
  return space === null
    ? 'free space unknown (statfs failed)'
    : `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)} on ${space.path}`;
}

/** "cannot write the database /h/vigil.db: SQLITE_FULL: database or disk is full; 0 B free of 20.0 MiB on /h". */
export function describeWriteFailure(what: string, err: unknown, space: SpaceInfo | null): string {
  const [first] = codes(err);
  const msg = first ? [first.code, first.message].filter(Boolean).join(': ') : String(err);
  return `cannot write ${what}: ${msg}; ${describeSpace(space)}`;
}

export type DiskChange =
  | { kind: 'full'; since: number; what: string; message: string }
  | { kind: 'cleared'; since: number; at: number; failures: number; message: string };

/** The condition's state machine. */
export class DiskCondition {
  private full: { since: number; what: string; message: string; failures: number } | null = null;
  private space: SpaceInfo | null = null;

  /** A write failed for lack of space; returns the change when this begins the condition. */
  failed(what: string, err: unknown, space: SpaceInfo | null, now: number): DiskChange | null {
    if (space) this.space = space;
    const message = describeWriteFailure(what, err, space ?? this.space);
    if (this.full) {
      this.full = { ...this.full, what, message, failures: this.full.failures + 1 };
      return null;
    }
    this.full = { since: now, what, message, failures: 1 };
    return { kind: 'full', since: now, what, message };
  }

  /** The file system was looked at (no write involved): no free space begins the condition. */
  observed(space: SpaceInfo, now: number): DiskChange | null {
    this.space = space;
    if (this.full || space.freeBytes >= FULL_BELOW_BYTES) return null;
    const what = `the file system of ${space.path}`;
    const message = `no space left: ${describeSpace(space)}`;
    this.full = { since: now, what, message, failures: 0 };
    return { kind: 'full', since: now, what, message };
  }

  /**
   * A write went through. It ends the condition only when the file system also has room again (a write
   * can still fit in a page SQLite had already allocated on a full disk).
   */
  wrote(space: SpaceInfo | null, now: number): DiskChange | null {
    if (space) this.space = space;
    if (!this.full) return null;
    const room = this.space === null || this.space.freeBytes >= FULL_BELOW_BYTES;
    if (!room) return null;
    const { since, failures } = this.full;
    this.full = null;
    return {
      kind: 'cleared',
      since,
      at: now,
      failures,
      message: `writes succeed again; ${describeSpace(this.space)}`,
    };
  }

  isFull(): boolean {
    return this.full !== null;
  }

  view(pending: { events: number; exits: number }): DiskStatus {
    const f = this.full;
    return {
      state: f ? 'disk-full' : 'ok',
      since: f ? new Date(f.since).toISOString() : null,
      what: f?.what ?? null,
      message: f?.message ?? null,
      freeBytes: this.space?.freeBytes ?? null,
      totalBytes: this.space?.totalBytes ?? null,
      failures: f?.failures ?? 0,
      pendingEvents: pending.events,
      pendingExits: pending.exits,
    };
  }
}
