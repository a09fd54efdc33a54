/**
 * Every time a service's main process ends, a line is appended to the exit journal (systemd: an
 * ExecStopPost= hook; launchd: Vigil's launcher). The agent reads it from a persisted byte offset, so
 * exits that happen while the agent is down are still seen, once.
 */
export type { ExitRecord } from '../core/observed.js';
import type { ExitRecord } from '../core/observed.js';

export interface ExitJournal {
  /** Records from `offset` on, and the offset to continue from (only whole lines are consumed). */
  readSince(offset: number): Promise<{ records: ExitRecord[]; next: number }>;
}
