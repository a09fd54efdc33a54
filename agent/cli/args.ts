/** Argument parsing on node's util.parseArgs, with usage errors as VigilError E_USAGE (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VigilError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (err) {
    throw new VigilError('E_USAGE', `${(err as Error).message}\nusage: ${usage}`);
  }
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function int(v: unknown, name: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new VigilError('E_USAGE', `${name} must be a whole number ≥ ${min}, not "${v}"`);
  return n;
}

/** The CLI's --since: "2026-11-26T10:00:00Z", "2026-11-26", a ms timestamp, or a relative "15m" / "2h" / "3d" ago. */
export function parseSinceFlag(v: string, now: number): number {
  const rel = /^(\d+)\s*(s|m|h|d)$/.exec(v.trim());
  if (rel)
    return now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{10,}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new VigilError('E_USAGE', `--since: "${v}" is not a time (use ISO 8601, or 15m, 2h, 3d)`);
  return t;
}

export const JSON_FLAG = { json: { type: 'boolean' as const } };
