/**
 * One `ps` call for every process: what launchd cannot tell (memory, CPU time, start time of a job's
 * whole process tree). launchd reports the launcher's pid; the service is its child (and may have
 * children of its own), so usage is summed over the tree, as systemd's cgroup counters are.
 *
 *   LC_ALL=C ps -A -o pid=,ppid=,rss=,time=,lstart=
 *
 * works alike with macOS (BSD) ps and Linux procps: rss in KiB, time is cumulative CPU time
 * (`M:SS.hh` on macOS, `[DD-]HH:MM:SS` on Linux), lstart is `Mon Jan  1 12:00:00 2024` (local time).
 */
import type { ProcessRunner } from '../../ports/process-runner.js';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  rssBytes: number;
  cpuNsec: number;
  /** Start time (ms since the epoch, second resolution), null when unreadable. */
  startedAt: number | null;
}

export const PS_ARGS = ['-A', '-o', 'pid=,ppid=,rss=,time=,lstart='] as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function parsePs(stdout: string): Map<number, ProcessEntry> {
  const out = new Map<number, ProcessEntry>();
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*?)\s*$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    out.set(pid, {
      pid,
      ppid: Number(m[2]),
      rssBytes: Number(m[3]) * 1024,
      cpuNsec: parseCpuTime(m[4]!),
      startedAt: parseLstart(m[5]!),
    });
  }
  return out;
}

/** `1:02.35` (macOS), `00:01:02` or `2-03:04:05` (Linux) → nanoseconds. */
export function parseCpuTime(v: string): number {
  const [days, rest] = v.includes('-') ? [Number(v.split('-')[0]), v.split('-')[1]!] : [0, v];
  const parts = rest.split(':').map(Number);
  if (parts.some((n) => !Number.isFinite(n)) || !Number.isFinite(days)) return 0;
  const seconds = parts.reduce((acc, n) => acc * 60 + n, 0) + days * 86400;
  return Math.round(seconds * 1e9);
}

/** `Mon Jan  1 12:00:00 2024` (local time) → ms; null when not in that form. */
export function parseLstart(v: string): number | null {
  const m = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(v.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return null;
  return new Date(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
}

/** The process and all its descendants (the process first). */
export function processTree(table: Map<number, ProcessEntry>, root: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const first = table.get(root);
  if (!first) return [];
  const out: ProcessEntry[] = [];
  const stack = [first];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

export function treeUsage(
  table: Map<number, ProcessEntry>,
  root: number,
): { memoryBytes: number; cpuNsec: number; startedAt: number | null } | null {
  const tree = processTree(table, root);
  if (tree.length === 0) return null;
  return {
    memoryBytes: tree.reduce((a, p) => a + p.rssBytes, 0),
    cpuNsec: tree.reduce((a, p) => a + p.cpuNsec, 0),
    startedAt: tree[0]!.startedAt,
  };
}

export async function readProcessTable(
  runner: ProcessRunner,
  env: NodeJS.ProcessEnv,
): Promise<Map<number, ProcessEntry>> {
  const r = await runner.run('ps', PS_ARGS, { env: { ...env, LC_ALL: 'C' }, timeoutMs: 10_000 });
  return parsePs(r.stdout);
}
