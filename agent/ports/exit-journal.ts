/**
 * Every time a service's main process ends, a line is appended to the exit journal (systemd: an
 * ExecStopPost= hook; launchd: Vigil's launcher). The agent reads it from a persisted byte offset, so
 * exits that happen while the agent is down are still seen, once.
 */
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
}

export interface ExitJournal {
  /** Records from `offset` on, and the offset to continue from (only whole lines are consumed). */
  readSince(offset: number): Promise<{ records: ExitRecord[]; next: number }>;
}
