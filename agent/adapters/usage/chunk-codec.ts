/**
 * Parsed chunks cross the worker boundary as columns, not objects: numbers in one Float64Array
 * (transferred, no copy), repeated strings (day, hour, model, provider, pricing…) as indices into a small
 * table, and the keys as one string plus their lengths. Decoding costs far less than the parsing it saves.
 */
import type { CostSource, LedgerEntry } from '../../core/usage/model.js';
import type { ParsedChunk } from '../../core/usage/chunk.js';

const NUMS = 10; // at, requests, input, output, cacheRead, cacheWrite, cacheWrite1h, reasoning, cost (NaN: null), has-provider
const STRS = 6; // day, hour, model, provider, costSource, pricing (index into the table; 0 = null)

export interface EncodedChunk {
  count: number;
  service: string;
  nums: Float64Array;
  strs: Uint32Array;
  table: string[];
  keys: string;
  keyLengths: Uint32Array;
  rejected: number;
  reasons: Record<string, number>;
}

export function encodeChunk(p: ParsedChunk, service: string): EncodedChunk {
  const n = p.entries.length;
  const nums = new Float64Array(n * NUMS);
  const strs = new Uint32Array(n * STRS);
  const table: string[] = [''];
  const index = new Map<string, number>();
  const id = (s: string | null): number => {
    if (s === null) return 0;
    let i = index.get(s);
    if (i === undefined) {
      i = table.length;
      table.push(s);
      index.set(s, i);
    }
    return i;
  };
  const keyLengths = new Uint32Array(n);
  const keys: string[] = [];
  p.entries.forEach((e, i) => {
    const o = i * NUMS;
    const t = e.tokens;
    nums[o] = e.at;
    nums[o + 1] = e.requests;
    nums[o + 2] = t.input;
    nums[o + 3] = t.output;
    nums[o + 4] = t.cacheRead;
    nums[o + 5] = t.cacheWrite;
    nums[o + 6] = t.cacheWrite1h;
    nums[o + 7] = t.reasoning;
    nums[o + 8] = e.costMicro ?? NaN;
    const s = i * STRS;
    strs[s] = id(e.day);
    strs[s + 1] = id(e.hour);
    strs[s + 2] = id(e.model);
    strs[s + 3] = id(e.provider);
    strs[s + 4] = id(e.costSource);
    strs[s + 5] = id(e.pricing);
    keys.push(e.key);
    keyLengths[i] = e.key.length;
  });
  return { count: n, service, nums, strs, table, keys: keys.join(''), keyLengths, rejected: p.rejected, reasons: p.reasons };
}

export function decodeChunk(c: EncodedChunk): ParsedChunk {
  const entries: LedgerEntry[] = new Array(c.count);
  const { nums, strs, table } = c;
  let pos = 0;
  for (let i = 0; i < c.count; i++) {
    const o = i * NUMS;
    const s = i * STRS;
    const len = c.keyLengths[i]!;
    const cost = nums[o + 8]!;
    entries[i] = {
      key: c.keys.slice(pos, pos + len),
      at: nums[o]!,
      day: table[strs[s]!]!,
      hour: table[strs[s + 1]!]!,
      service: c.service,
      model: table[strs[s + 2]!]!,
      provider: strs[s + 3] === 0 ? null : table[strs[s + 3]!]!,
      source: 'log',
      requests: nums[o + 1]!,
      tokens: { input: nums[o + 2]!, output: nums[o + 3]!, cacheRead: nums[o + 4]!, cacheWrite: nums[o + 5]!, cacheWrite1h: nums[o + 6]!, reasoning: nums[o + 7]! },
      costMicro: Number.isNaN(cost) ? null : cost,
      costSource: table[strs[s + 4]!] as CostSource,
      pricing: strs[s + 5] === 0 ? null : table[strs[s + 5]!]!,
    };
    pos += len;
  }
  return { entries, rejected: c.rejected, reasons: c.reasons };
}
