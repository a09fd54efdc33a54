/**
 * The exit journal file (see agent/ports/exit-journal.ts). Each line is written by the unit's ExecStopPost=
 * hook (or launchd's launcher):
 *   `<epoch seconds[.fraction]> <service> <SERVICE_RESULT> <EXIT_CODE> <EXIT_STATUS>`, `-` for empty values,
 * e.g. `1795729527.164110416 web exit-code exited 3` or `1795729527.2 web signal killed KILL`, then
 * optionally vigil-launch's key=value fields (agent/launcher/runend.c): `via=vigil-launch`,
 * `exec-error=ENOENT`, `log-end=DEV:INO:OFFSET`, and under systemd `run=INVOCATION_ID` (the launcher
 * writes the record as its child ends; the ExecStopPost= hook then writes none for that run) or
 * `amends=<epoch s.ns>` (the hook's record when systemd's Result= says more than the launcher's record of
 * the same run, e.g. oom-kill). Records without them (older, or the launcher never ran) read as before;
 * unknown keys are ignored.
 *
 * readSince reads only from the given offset (at most MAX_READ_BYTES per call), consumes whole lines only
 * (a partial last line is left for the next call), skips malformed lines while still moving past them, and
 * starts over from 0 when the file became shorter than the offset (truncated or replaced).
 *
 * Rotation: the agent is the journal's only reader, so it rotates it. Once every byte of a journal of at
 * least `rotateBytes` was consumed — the caller passes that end back as its offset, i.e. it stored what it
 * read (a tick that could not store it, on a full disk, passes the old offset and reads the same records
 * again) — it is renamed to `<path>.1` and reading starts over at 0 in the new file (writers open the
 * path for every record, so the next one creates it). A writer that opened the old
 * file just before the rename lands its record in `<path>.1`: the next call reads that file's remainder
 * first, so such a record is still seen, once.
 *
 * Reads are synchronous system calls on a small local file (microseconds): an exit's way to its event
 * takes no thread-pool round trip, each of which costs a wake-up of its own on a loaded machine.
 *
 * Trust: the journal says which services crashed and how, so a line another user wrote must never become
 * an event. It is opened O_NOFOLLOW and must be a regular file of ours that nobody else can write
 * (vigil-launch's hook refuses to write it otherwise); when it is not, nothing in it is read, the reader
 * moves past what it holds (once fixed, those lines are still not trusted) and `refused` says why
 * (E_JOURNAL_UNSAFE; the agent logs it, `vigil doctor` reports it).
 */
import { closeSync, constants, fstatSync, openSync, readSync, renameSync } from 'node:fs';
import { VigilError } from '../../core/errors.js';
import { normalizeSignal } from '../../core/signals.js';
import type { LogEnd } from '../../core/observed.js';
import type { ExitJournal, ExitRecord } from '../../ports/exit-journal.js';

/** Upper bound of one read; the rest is returned by the next call. */
export const MAX_READ_BYTES = 1024 * 1024;

const TIMESTAMP_RE = /^(\d{1,12})(?:\.(\d+))?$/;

/** Parses one journal line (without its newline) found at byte `offset`; null when malformed. */
export function parseExitLine(line: string, offset: number): ExitRecord | null {
  const fields = line.trim().split(/[ \t]+/);
  if (fields.length < 5) return null;
  const [ts = '', service = '', rawResult = '', exitCode = '', exitStatus = ''] = fields;
  const launcher = launcherFields(fields.slice(5));
  if (launcher === undefined) return null;
  const base = parseBase(ts, service, rawResult, exitCode, exitStatus, offset);
  if (base === null) return null;
  const amends = amendedAt(fields.slice(5));
  return {
    ...base,
    ...(launcher === null ? {} : { launcher }),
    ...(amends === null ? {} : { amends }),
  };
}

/** `amends=<epoch s.ns>`: the time (ms) of the launcher's record of the same run this one amends. */
function amendedAt(extra: readonly string[]): number | null {
  for (const f of extra) {
    if (!f.startsWith('amends=')) continue;
    const t = TIMESTAMP_RE.exec(f.slice('amends='.length));
    if (t) return Number(t[1]) * 1000 + Number(((t[2] ?? '') + '000').slice(0, 3));
  }
  return null;
}

const ERRNO_RE = /^(?:E[A-Z0-9]{1,15}|\d{1,5})$/;
const LOG_END_RE = /^(\d{1,20}):(\d{1,20}):(\d{1,16})$/;

/** The launcher's fields: null when there are none, undefined when a field is not key=value. */
function launcherFields(extra: readonly string[]): ExitRecord['launcher'] | null | undefined {
  if (extra.length === 0) return null;
  let ran = false;
  let execError: string | null = null;
  let logEnd: LogEnd | null = null;
  for (const f of extra) {
    const eq = f.indexOf('=');
    if (eq <= 0) return undefined;
    const key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    if (key === 'via') ran ||= value === 'vigil-launch';
    else if (key === 'exec-error' && ERRNO_RE.test(value)) execError = value;
    else if (key === 'log-end') {
      const m = LOG_END_RE.exec(value);
      if (m) logEnd = { dev: Number(m[1]), ino: Number(m[2]), offset: Number(m[3]) };
    }
  }
  return ran ? { ran: true, execError, logEnd } : null;
}

function parseBase(
  ts: string,
  service: string,
  rawResult: string,
  exitCode: string,
  exitStatus: string,
  offset: number,
): ExitRecord | null {
  const t = TIMESTAMP_RE.exec(ts);
  if (!t || !/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(service)) return null;
  const at = Number(t[1]) * 1000 + Number(((t[2] ?? '') + '000').slice(0, 3));
  const result = rawResult === '-' ? 'unknown' : rawResult;
  const status = exitStatus === '-' ? null : exitStatus;
  if (exitCode === 'exited') {
    const code = status !== null && /^\d+$/.test(status) ? Number(status) : null;
    return { offset, at, service, result, how: 'exited', code, signal: null };
  }
  if (exitCode === 'killed' || exitCode === 'dumped') {
    return {
      offset,
      at,
      service,
      result,
      how: exitCode,
      code: null,
      signal: status === null ? null : normalizeSignal(status),
    };
  }
  return { offset, at, service, result, how: 'unknown', code: null, signal: null };
}

/** Journal size at which a fully read journal is rotated (about 16,000 exits). */
export const ROTATE_BYTES = 1024 * 1024;

export class FileExitJournal implements ExitJournal {
  /** Offset in `<path>.1` still to read after a rotation. */
  private rotatedFrom: number | null = null;
  /** Why the journal was last refused (null while it is trusted). */
  refused: VigilError | null = null;
  /** Called when the journal becomes refused (once per change of reason), e.g. to log it. */
  onRefused: ((err: VigilError) => void) | null = null;

  constructor(
    private readonly path: string,
    private readonly rotateBytes = ROTATE_BYTES,
  ) {}

  async readSince(offset: number): Promise<{ records: ExitRecord[]; next: number }> {
    try {
      const out = await this.readTrusted(offset);
      this.refused = null;
      return out;
    } catch (err) {
      if (!(err instanceof UnsafeJournal)) throw err;
      if (this.refused?.message !== err.error.message) this.onRefused?.(err.error);
      this.refused = err.error;
      this.rotatedFrom = null;
      return { records: [], next: err.size };
    }
  }

  private async readStragglers(from: number): Promise<ExitRecord[]> {
    try {
      return readFrom(`${this.path}.1`, from).records;
    } catch (err) {
      if (!(err instanceof UnsafeJournal)) throw err;
      this.onRefused?.(err.error);
      return [];
    }
  }

  private async readTrusted(offset: number): Promise<{ records: ExitRecord[]; next: number }> {
    const stragglers = this.rotatedFrom === null ? [] : await this.readStragglers(this.rotatedFrom);
    this.rotatedFrom = null;
    const { records, next, size } = readFrom(this.path, offset);
    if (offset === size && size >= this.rotateBytes) {
      renameSync(this.path, `${this.path}.1`);
      this.rotatedFrom = size;
      return { records: stragglers, next: 0 };
    }
    return { records: [...stragglers, ...records], next };
  }
}

function readFrom(file: string, offset: number): { records: ExitRecord[]; next: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { records: [], next: offset, size: -1 };
    if (code === 'ELOOP')
      throw new UnsafeJournal(unsafeJournal(file, 'is a symbolic link', `remove it (rm ${file})`), offset);
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const { size } = st;
    const problem = journalProblem(file, st);
    if (problem) throw new UnsafeJournal(problem, size);
    const start = size < offset || offset < 0 ? 0 : offset;
    const length = Math.min(size - start, MAX_READ_BYTES);
    if (length <= 0) return { records: [], next: start, size };
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const bytesRead = readSync(fd, buf, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { ...parseChunk(buf.subarray(0, got), start, got === MAX_READ_BYTES), size };
  } finally {
    closeSync(fd);
  }
}

/** Whole lines of `chunk` (which begins at byte `start`). A full chunk without any newline is skipped. */
function parseChunk(chunk: Buffer, start: number, full: boolean): { records: ExitRecord[]; next: number } {
  const records: ExitRecord[] = [];
  let pos = 0;
  for (;;) {
    const nl = chunk.indexOf(0x0a, pos);
    if (nl < 0) break;
    const record = parseExitLine(chunk.toString('utf8', pos, nl), start + pos);
    if (record) records.push(record);
    pos = nl + 1;
  }
  // One line longer than a whole read cannot be a journal record: step over it rather than stall forever.
  if (pos === 0 && full) pos = chunk.length;
  return { records, next: start + pos };
}

/** A journal that is not ours alone: `size` is where the reader goes on from (past everything in it). */
class UnsafeJournal extends Error {
  constructor(
    readonly error: VigilError,
    readonly size: number,
  ) {
    super(error.message);
  }
}

function unsafeJournal(file: string, why: string, fix: string): VigilError {
  return new VigilError(
    'E_JOURNAL_UNSAFE',
    `refusing to read the exit journal ${file}: it ${why}, so its lines could be another user's — fix: ${fix}`,
    { details: { path: file } },
  );
}

function journalProblem(
  file: string,
  st: { uid: number; mode: number; isFile(): boolean },
): VigilError | null {
  const me = process.geteuid?.() ?? 0;
  if (!st.isFile()) return unsafeJournal(file, 'is not a regular file', 'move it aside');
  if (st.uid !== me)
    return unsafeJournal(
      file,
      `is owned by uid ${st.uid}, not by you (uid ${me})`,
      `check who put it there, then move it aside (mv ${file} ${file}.suspect)`,
    );
  if ((st.mode & 0o022) !== 0)
    return unsafeJournal(
      file,
      `is writable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`,
      `vigil doctor --fix (or chmod 600 ${file})`,
    );
  return null;
}
