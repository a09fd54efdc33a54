/**
 * Named errors with stable codes. Every error Vigil reports to a user is a VigilError: the code is for
 * programs (JSON output, API bodies, tests), the message is for people, and exitCode is what the CLI
 * exits with (1 operation failed, 2 bad usage or invalid input).
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_MANIFEST_READ'
  | 'E_MANIFEST_YAML'
  | 'E_MANIFEST_INVALID'
  | 'E_UNKNOWN_SERVICE'
  | 'E_PROCESS'
  | 'E_SERVICE_MANAGER'
  | 'E_APPLY_FAILED'
  | 'E_STORE'
  | 'E_AGENT_UNREACHABLE'
  | 'E_API'
  /** Something the agent did not expect went wrong while answering (the agent log has it, by request id). */
  | 'E_INTERNAL'
  | 'E_UNAUTHORIZED'
  | 'E_FORBIDDEN_HOST'
  | 'E_NOT_FOUND'
  /** This agent does not have the feature asked for (its module is off, or it is an older agent). */
  | 'E_UNAVAILABLE'
  | 'E_IO'
  /** The agent's HTTP port is held by another process (perhaps another user's): it will not serve there. */
  | 'E_PORT_IN_USE'
  /** A credential file or directory in a state Vigil refuses (symlink, other owner, readable by others). */
  | 'E_CREDENTIAL_UNSAFE'
  /** Another process is writing or rotating that credential set. */
  | 'E_LOCKED'
  /** VIGIL_HOME, logs/ or state/ can be written (or is owned) by another user, or is a link: Vigil will not run on it. */
  | 'E_HOME_UNSAFE'
  /** The exit journal is a link, another user's, or writable by others: its lines are not trusted. */
  | 'E_JOURNAL_UNSAFE'
  /** The database is locked by another process longer than the agent waits on its event loop (try again). */
  | 'E_STORE_BUSY'
  /** A user-supplied regular expression ran past its time bound (it backtracks too much). */
  | 'E_REGEX_TIMEOUT'
  /** `vigil import`: a source file that cannot be read or mapped (named with its line). */
  | 'E_IMPORT'
  /** An OTLP request Vigil cannot read (bad protobuf or JSON, wrong content type, too large, no usage). */
  | 'E_OTLP_DECODE'
  /** The user bus sent something that is not D-Bus, or refused the unit subscription. */
  | 'E_DBUS';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  'E_USAGE',
  'E_MANIFEST_READ',
  'E_MANIFEST_YAML',
  'E_MANIFEST_INVALID',
  'E_UNKNOWN_SERVICE',
  'E_IMPORT',
]);

export class VigilError extends Error {
  readonly code: ErrorCode;
  /** Extra structured detail safe to show (never secret values). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigilError';
    this.code = code;
    this.details = options?.details;
  }

  get exitCode(): number {
    return USAGE_CODES.has(this.code) ? EXIT_USAGE : EXIT_FAILED;
  }
}

/** One problem in a manifest, located for a human: file, line, column and the key path. */
export interface ManifestProblem {
  file: string;
  line: number | null;
  column: number | null;
  path: string;
  message: string;
}

export class ManifestError extends VigilError {
  readonly problems: readonly ManifestProblem[];

  constructor(
    code: 'E_MANIFEST_READ' | 'E_MANIFEST_YAML' | 'E_MANIFEST_INVALID',
    problems: ManifestProblem[],
  ) {
    super(code, problems.map(formatProblem).join('\n'), { details: { problems } });
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

export function formatProblem(p: ManifestProblem): string {
  const where = p.line === null ? p.file : `${p.file}:${p.line}${p.column === null ? '' : `:${p.column}`}`;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

export function isVigilError(err: unknown): err is VigilError {
  return err instanceof VigilError;
}

/**
 * Whether an error is SQLite's "database is locked/busy" (the SQLite driver puts SQLite's extended code in
 * `code`: SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED…): another connection holds the lock. Pure, on
 * the code string alone, so the API can answer 503 without importing the driver.
 */
export function isStoreBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
