/** Small measuring helpers for the benchmarks. */
import { readFileSync } from 'node:fs';

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function timeRuns(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** utime+stime of a process and of its reaped children, in clock ticks (/proc/PID/stat fields 14–17). */
export function procCpuTicks(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return { own: n(14) + n(15), children: n(16) + n(17) };
}

export function procRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * The service's own program under a unit: the launcher (vigil-launch, the unit's MainPID and the pid the
 * status shows) has exactly one child, the program it started. null when it has none (yet, or any more).
 */
export function programPid(launcherPid: number): number | null {
  try {
    const first = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8')
      .trim()
      .split(/\s+/)[0];
    return first ? Number(first) : null;
  } catch {
    return null;
  }
}
