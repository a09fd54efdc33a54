/**
 * CPU and memory series per service for sparklines: points from the agent's resource history when it
 * has one, else gathered from successive status documents (cpuPercent, or the cpuNsec delta). Pure.
 */
import type { ServiceStatus } from './types.js';

export interface Series {
  at: number[];
  /** % of one core (null: unknown at that point). */
  cpu: (number | null)[];
  memory: (number | null)[];
  /** The cumulative CPU counter at the last point (to turn the next one into a rate). */
  lastCpuNsec: number | null;
}

export const MAX_POINTS = 60;

export function emptySeries(): Series {
  return { at: [], cpu: [], memory: [], lastCpuNsec: null };
}

function push<T>(arr: readonly T[], v: T, max: number): T[] {
  const out = arr.length >= max ? arr.slice(arr.length - max + 1) : arr.slice();
  out.push(v);
  return out;
}

/** Adds the point a status document gives for one service at time `at`. */
export function addSample(prev: Series, s: ServiceStatus, at: number, max = MAX_POINTS): Series {
  const lastAt = prev.at[prev.at.length - 1];
  if (lastAt !== undefined && at - lastAt < 500) return prev; // a burst of refreshes adds one point
  let cpu: number | null = s.cpuPercent ?? null;
  if (
    cpu === null &&
    s.cpuNsec !== null &&
    prev.lastCpuNsec !== null &&
    lastAt !== undefined &&
    s.cpuNsec >= prev.lastCpuNsec
  ) {
    cpu = ((s.cpuNsec - prev.lastCpuNsec) / 1e6 / (at - lastAt)) * 100;
  }
  return {
    at: push(prev.at, at, max),
    cpu: push(prev.cpu, cpu, max),
    memory: push(prev.memory, s.memoryBytes, max),
    lastCpuNsec: s.cpuNsec,
  };
}

/** Series from history points (oldest first), as the resource history API returns them. */
export function seriesFrom(
  points: ReadonlyArray<{ at: number; cpuPercent: number | null; memoryBytes: number | null }>,
  max = MAX_POINTS,
): Series {
  const tail = points.slice(-max);
  return {
    at: tail.map((p) => p.at),
    cpu: tail.map((p) => p.cpuPercent),
    memory: tail.map((p) => p.memoryBytes),
    lastCpuNsec: null,
  };
}
