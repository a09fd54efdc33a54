/** What the OS service manager reports about one service, normalized across systemd and launchd. */

export type ActiveState =
  'active' | 'activating' | 'deactivating' | 'inactive' | 'failed' | 'reloading' | 'unknown';

/** One service as the manager sees it right now. */
export interface ObservedStatus {
  service: string;
  unit: string;
  loaded: boolean;
  active: ActiveState;
  /** Manager-specific detail: systemd SubState ("running", "auto-restart", "dead"…) or launchd state. */
  sub: string;
  pid: number | null;
  /** Restarts done by the manager since the unit was (re)started by a user. */
  restarts: number;
  /**
   * systemd: `restarts` (NRestarts) also counts the restart its start limit then refused, so once it gave
   * up, one fewer restart really ran (launchd counts runs: exact).
   */
  restartsCountRefused?: boolean;
  /** Manager's result of the last run: success, exit-code, signal, core-dump, oom-kill, start-limit-hit… */
  result: string | null;
  /** How the last main process ended, if it has. */
  lastExit: { code: number | null; signal: string | null } | null;
  /** When the state last changed (ms since epoch). */
  since: number | null;
  memoryBytes: number | null;
  cpuNsec: number | null;
  /**
   * The manager's status text, when there is one (systemd StatusText=, which only the unit's main process,
   * vigil-launch, can set): "waiting for redis (tcp 127.0.0.1:6379) to be healthy" while it waits.
   */
  note?: string;
}

export interface ExitRecord {
  /** Byte offset of the record in the journal: its identity. */
  offset: number;
  /** Milliseconds since the epoch. */
  at: number;
  service: string;
  /** systemd SERVICE_RESULT (success, exit-code, signal, core-dump, oom-kill, timeout, watchdog…). */
  result: string;
  /** How the process ended. */
  how: 'exited' | 'killed' | 'dumped' | 'unknown';
  /** Exit status when exited; signal name ("SIGKILL") when killed/dumped. */
  code: number | null;
  signal: string | null;
  /**
   * What vigil-launch added (agent/launcher/runend.c); absent in records it did not write or from before.
   * `ran`: it ran and saw the program end, so an exit code is the program's own; `execError`: the
   * program could not be executed (errno name, e.g. "ENOENT"); `logEnd`: where the program's output ended.
   */
  launcher?: { ran: true; execError: string | null; logEnd: LogEnd | null };
  /**
   * Set on the exit hook's record that amends the launcher's record of the same run (systemd knew more:
   * oom-kill, timeout…): that record's time (ms). Not another exit: the same end, better told.
   */
  amends?: number;
}

/** A position in a service's log file that survives rotation: the file's device and inode, and an offset. */
export interface LogEnd {
  dev: number;
  ino: number;
  offset: number;
}
