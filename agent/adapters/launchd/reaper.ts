/**
 * What systemd's cgroup does for free: when a job stops, nothing it started survives. launchd kills the
 * job's process group only, and the launcher runs the service in a group of its own (so that a stop
 * signal reaches a wrapper script's children), so after a stop or a restart every process of the old
 * tree that is still alive — same pid, same start time — gets SIGKILL. Normally there is none.
 */
import type { Clock } from '../../ports/clock.js';
import type { ProcessRunner } from '../../ports/process-runner.js';
import { processTree, readProcessTable, type ProcessEntry } from './process-table.js';

export interface ReaperDeps {
  runner: ProcessRunner;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  kill: (pid: number, signal: NodeJS.Signals) => void;
}

const POLL_MS = 250;

export class JobReaper {
  constructor(private readonly d: ReaperDeps) {}

  /** Snapshot the tree of `pid`, run the stop (which waits until launchd let go), kill survivors. */
  async stop(pid: number | null, doStop: () => Promise<unknown>): Promise<void> {
    const before = pid === null ? [] : await this.tree(pid);
    await doStop();
    if (before.length > 0) await this.killSurvivors(before, await this.table());
  }

  /** Snapshot, kickstart -k, wait until the old job process is gone, kill survivors of its tree. */
  async restart(
    _label: string,
    pid: number | null,
    doKick: () => Promise<unknown>,
    exitTimeOutSec: number,
  ): Promise<void> {
    const before = pid === null ? [] : await this.tree(pid);
    await doKick();
    if (before.length === 0) return;
    const root = before[0]!;
    const deadline = this.d.clock.now() + (exitTimeOutSec + 5) * 1000;
    let table = await this.table();
    while (same(table.get(root.pid), root) && this.d.clock.now() < deadline) {
      await this.d.clock.sleep(POLL_MS);
      table = await this.table();
    }
    await this.killSurvivors(before, table);
  }

  private async tree(pid: number): Promise<ProcessEntry[]> {
    return processTree(await this.table(), pid);
  }

  private async table(): Promise<Map<number, ProcessEntry>> {
    return readProcessTable(this.d.runner, this.d.env).catch(() => new Map<number, ProcessEntry>());
  }

  private async killSurvivors(
    before: readonly ProcessEntry[],
    table: Map<number, ProcessEntry>,
  ): Promise<void> {
    for (const p of before) {
      if (!same(table.get(p.pid), p)) continue;
      try {
        this.d.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function same(now: ProcessEntry | undefined, then: ProcessEntry): boolean {
  return now !== undefined && now.startedAt === then.startedAt && now.startedAt !== null;
}
