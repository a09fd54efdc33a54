/**
 * Exit records kept on a full disk (`<journal>.pending`, written by the launcher: agent/launcher/exitpend.c):
 * counts the occupied slots, and moves them into the journal through `vigil-launch --exit-flush`, which
 * takes the same lock as the hooks (Node has no fcntl locks), so a record is moved exactly once.
 * The slots must exist before the disk fills (they cannot be made on a full disk): the same command
 * creates the file when it is missing, so the agent runs it at start and whenever the file is gone.
 */
import { open, stat } from 'node:fs/promises';
import type { ProcessRunner } from '../../ports/process-runner.js';
import { EXIT_FLUSH_STILL_PENDING, exitFlushArgs } from '../launcher/contract.js';

/** The slot layout of exitpend.c: PEND_SLOTS slots of PEND_SLOT bytes; a slot is free when its first byte is 0. */
export const PEND_SLOTS = 256;
export const PEND_SLOT = 256;
/** While the pending file is missing (and cannot be made: a full disk), how often to try again (ms). */
const CREATE_EVERY_MS = 5000;

export class PendingExits {
  private seen: { mtimeMs: number; size: number } | null = null;
  private waiting = 0;
  private flushing = false;
  private missing = true;
  private triedCreateAt = -Infinity;

  constructor(
    private readonly journal: string,
    private readonly launcher: string,
    private readonly runner: ProcessRunner,
  ) {}

  get file(): string {
    return `${this.journal}.pending`;
  }

  /** Records waiting in the pending file at the last look. */
  count(): number {
    return this.waiting;
  }

  /** Looks at the pending file (read again only when it changed) and, if records wait, runs the flush. */
  async tick(now: number = Date.now()): Promise<void> {
    await this.look();
    const create = this.missing && now - this.triedCreateAt >= CREATE_EVERY_MS;
    if ((this.waiting === 0 && !create) || this.flushing) return;
    if (create) this.triedCreateAt = now;
    this.flushing = true;
    try {
      await this.runner.run(this.launcher, exitFlushArgs(this.journal), {
        okCodes: [0, EXIT_FLUSH_STILL_PENDING],
        timeoutMs: 10_000,
      });
      this.seen = null; // read it again: the flush changed it
      await this.look();
    } finally {
      this.flushing = false;
    }
  }

  private async look(): Promise<void> {
    let st;
    try {
      st = await stat(this.file);
    } catch {
      this.waiting = 0;
      this.missing = true;
      return;
    }
    this.missing = false;
    if (this.seen && this.seen.mtimeMs === st.mtimeMs && this.seen.size === st.size && this.waiting === 0)
      return;
    this.seen = { mtimeMs: st.mtimeMs, size: st.size };
    const handle = await open(this.file, 'r');
    try {
      const buf = Buffer.alloc(PEND_SLOTS * PEND_SLOT);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      let n = 0;
      for (let i = 0; i * PEND_SLOT < bytesRead; i++) if (buf[i * PEND_SLOT] !== 0) n++;
      this.waiting = n;
    } finally {
      await handle.close();
    }
  }
}
