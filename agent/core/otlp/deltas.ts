/**
 * Usage data points → ledger drafts. A cumulative series becomes deltas against its last value, kept per
 * series (with its start time) and stored with the entries, so a retried batch or an agent restart never
 * counts a value twice; a reset (a new start time, or a value that went down) counts from zero. A delta
 * point is its own usage. The points of one request are summed per (service.name, model, provider) into
 * one draft whose idempotency key is made of its points' identities (series, start, time): the same batch
 * sent again makes the same key. Pure: `hash` is injected.
 */
import { totalTokens, zeroTokens, type TokenCounts } from '../usage/model.js';
import type { UsagePointIn } from './metrics-map.js';

export interface SeriesState {
  start: string;
  time: string;
  value: number;
  count: number;
  /** When the agent last saw the series (ms): series unseen for SERIES_TTL_MS are forgotten. */
  seen: number;
}

/** A cumulative series not seen for 35 days is forgotten (its next point counts from its start). */
export const SERIES_TTL_MS = 35 * 86_400_000;

export interface UsageDraft {
  key: string;
  at: number;
  serviceName: string | null;
  model: string;
  provider: string | null;
  requests: number;
  tokens: TokenCounts;
  /** A reported cost (USD), or null. */
  reportedUsd: number | null;
}

export interface Deltas {
  drafts: UsageDraft[];
  next: Record<string, SeriesState>;
  /** Points that added nothing (a retry, an older point than the one stored, a zero delta). */
  unchanged: number;
}

interface Acc {
  draft: UsageDraft;
  ids: string[];
  inputIncl: number;
  readIncl: number;
  writeIncl: number;
  cost: number;
  hasCost: boolean;
}

export function usageDeltas(
  points: readonly UsagePointIn[],
  prev: Readonly<Record<string, SeriesState>>,
  now: number,
  hash: (s: string) => string,
): Deltas {
  const next: Record<string, SeriesState> = {};
  for (const [k, s] of Object.entries(prev)) if (now - s.seen < SERIES_TTL_MS) next[k] = s;
  const groups = new Map<string, Acc>();
  let unchanged = 0;
  for (const p of points) {
    const sid = hash(p.series);
    let value = p.value;
    let count = p.count;
    if (p.cumulative) {
      const last = next[sid];
      if (last && last.start === p.start) {
        if (BigInt(p.time) <= BigInt(last.time)) {
          unchanged++;
          continue; // a retry, or an older point arriving late: already counted
        }
        if (p.value >= last.value) {
          value = p.value - last.value;
          count = Math.max(0, p.count - last.count);
        } // else: the value went down, a reset that kept its start time: counts from zero
      }
      next[sid] = { start: p.start, time: p.time, value: p.value, count: p.count, seen: now };
    }
    // A cost series that did not move still says what these tokens cost (nothing more): it is kept, so
    // the group's cost stays the reported one.
    if (value === 0 && count === 0 && p.field !== 'costUsd') {
      unchanged++;
      continue;
    }
    const gid = `${p.serviceName ?? ''}\u0000${p.model}\u0000${p.provider ?? ''}`;
    let g = groups.get(gid);
    if (!g) {
      g = {
        draft: {
          key: '',
          at: p.at ?? now,
          serviceName: p.serviceName,
          model: p.model,
          provider: p.provider,
          requests: 0,
          tokens: zeroTokens(),
          reportedUsd: null,
        },
        ids: [],
        inputIncl: 0,
        readIncl: 0,
        writeIncl: 0,
        cost: 0,
        hasCost: false,
      };
      groups.set(gid, g);
    }
    g.ids.push(`${sid}|${p.start}|${p.time}`);
    g.draft.at = Math.max(g.draft.at, p.at ?? now);
    g.draft.requests += count;
    const t = g.draft.tokens;
    switch (p.field) {
      case 'input':
        t.input += value;
        break;
      case 'output':
        t.output += value;
        break;
      case 'cacheRead':
        t.cacheRead += value;
        break;
      case 'cacheWrite':
        t.cacheWrite += value;
        break;
      case 'inputInclCache':
        g.inputIncl += value;
        break;
      case 'cacheReadIncl':
        g.readIncl += value;
        break;
      case 'cacheWriteIncl':
        g.writeIncl += value;
        break;
      case 'costUsd':
        g.cost += value;
        g.hasCost = true;
        break;
    }
  }
  const drafts: UsageDraft[] = [];
  for (const g of groups.values()) {
    const t = g.draft.tokens;
    if (
      g.cost === 0 &&
      g.draft.requests === 0 &&
      g.inputIncl + g.readIncl + g.writeIncl + totalTokens(t) === 0
    ) {
      unchanged += g.ids.length;
      continue; // only cost series that did not move
    }
    // OTel's input includes the cache; the ledger's does not.
    t.input += Math.max(0, g.inputIncl - g.readIncl - g.writeIncl);
    t.cacheRead += g.readIncl;
    t.cacheWrite += g.writeIncl;
    g.draft.reportedUsd = g.hasCost ? g.cost : null;
    g.draft.key = `otlp:m:${hash(g.ids.sort().join('\n'))}`;
    drafts.push(g.draft);
  }
  return { drafts, next, unchanged };
}
