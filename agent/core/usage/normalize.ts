/**
 * One `llm_usage` log event → normalized tokens (see model.ts for the convention). Accepts Vigil's flat
 * form and the usage objects of the provider SDKs exactly as they emit them:
 *  - Anthropic Messages: `input_tokens` excludes cache tokens; `cache_creation_input_tokens` (split by
 *    `cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens`), `cache_read_input_tokens`;
 *  - OpenAI Chat Completions: `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`,
 *    `completion_tokens` INCLUDES `completion_tokens_details.reasoning_tokens`;
 *  - OpenAI Responses: the same with `input_tokens(_details)` / `output_tokens(_details)`;
 *  - Google Gemini `usageMetadata`: `promptTokenCount` includes `cachedContentTokenCount`; thoughts are output.
 * Pure.
 */
import { usdToMicro, zeroTokens, type TokenCounts } from './model.js';

export interface NormalizedUsage {
  model: string;
  provider: string | null;
  requestId: string | null;
  /** ms since the epoch, or null when the event carries no time. */
  at: number | null;
  tokens: TokenCounts;
  /** Provider-reported cost (µ$), when the event carries one. */
  reportedMicro: number | null;
}

export type NormalizeResult = { ok: true; usage: NormalizedUsage } | { ok: false; error: string } | null;

export const USAGE_EVENT = 'llm_usage';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Bad extends Error {}

/** A token count: absent → 0; otherwise a non-negative whole number. */
function count(o: Obj | undefined, key: string): number {
  const v = o?.[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new Bad(`${key} must be a whole number ≥ 0`);
  return v;
}

function sub(o: Obj, key: string): Obj | undefined {
  const v = o[key];
  return isObj(v) ? v : undefined;
}

function str(o: Obj, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && k !== 'model') return String(v);
  }
  return null;
}

/** Epoch seconds (< 1e12), epoch ms, or an ISO string. */
function time(o: Obj): number | null {
  for (const k of ['ts', 'time', 'timestamp', '@timestamp']) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.round(v < 1e12 ? v * 1000 : v);
    if (typeof v === 'string') {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) return t;
    }
  }
  return null;
}

function part(total: number, included: number, what: string, of: string): number {
  if (included > total) throw new Bad(`${what} exceeds ${of}`);
  return total - included;
}

function anthropic(u: Obj): TokenCounts {
  const t = zeroTokens();
  t.input = count(u, 'input_tokens');
  t.output = count(u, 'output_tokens');
  t.cacheRead = count(u, 'cache_read_input_tokens');
  const created = count(u, 'cache_creation_input_tokens');
  const split = sub(u, 'cache_creation');
  const h1 = count(split, 'ephemeral_1h_input_tokens');
  const m5 = count(split, 'ephemeral_5m_input_tokens');
  const writes = Math.max(created, m5 + h1);
  t.cacheWrite1h = h1;
  t.cacheWrite = part(writes, h1, 'cache_creation.ephemeral_1h_input_tokens', 'cache_creation_input_tokens');
  return t;
}

function openaiChat(u: Obj): TokenCounts {
  const t = zeroTokens();
  const prompt = count(u, 'prompt_tokens');
  t.cacheRead = count(sub(u, 'prompt_tokens_details'), 'cached_tokens');
  t.input = part(prompt, t.cacheRead, 'prompt_tokens_details.cached_tokens', 'prompt_tokens');
  t.output = count(u, 'completion_tokens');
  t.reasoning = count(sub(u, 'completion_tokens_details'), 'reasoning_tokens');
  part(t.output, t.reasoning, 'completion_tokens_details.reasoning_tokens', 'completion_tokens');
  return t;
}

function openaiResponses(u: Obj): TokenCounts {
  const t = zeroTokens();
  const input = count(u, 'input_tokens');
  t.cacheRead = count(sub(u, 'input_tokens_details'), 'cached_tokens');
  t.input = part(input, t.cacheRead, 'input_tokens_details.cached_tokens', 'input_tokens');
  t.output = count(u, 'output_tokens');
  t.reasoning = count(sub(u, 'output_tokens_details'), 'reasoning_tokens');
  part(t.output, t.reasoning, 'output_tokens_details.reasoning_tokens', 'output_tokens');
  return t;
}

function gemini(u: Obj): TokenCounts {
  const t = zeroTokens();
  const prompt = count(u, 'promptTokenCount');
  t.cacheRead = count(u, 'cachedContentTokenCount');
  t.input = part(prompt, t.cacheRead, 'cachedContentTokenCount', 'promptTokenCount');
  t.reasoning = count(u, 'thoughtsTokenCount');
  t.output = count(u, 'candidatesTokenCount') + t.reasoning;
  return t;
}

/** Vigil's flat form: the fields sit on the event itself, in the convention of model.ts. */
function flat(e: Obj): TokenCounts {
  const t = zeroTokens();
  t.input = count(e, 'input_tokens');
  t.output = count(e, 'output_tokens');
  t.cacheRead = count(e, 'cache_read_tokens');
  t.cacheWrite = count(e, 'cache_write_tokens') + count(e, 'cache_write_5m_tokens');
  t.cacheWrite1h = count(e, 'cache_write_1h_tokens');
  t.reasoning = count(e, 'reasoning_tokens');
  part(t.output, t.reasoning, 'reasoning_tokens', 'output_tokens');
  return t;
}

/** Which SDK shape a nested usage object has. */
function nested(u: Obj, provider: string | null): TokenCounts {
  if ('prompt_tokens' in u || 'completion_tokens' in u) return openaiChat(u);
  if ('promptTokenCount' in u || 'candidatesTokenCount' in u) return gemini(u);
  if ('input_tokens_details' in u || 'output_tokens_details' in u) return openaiResponses(u);
  if (provider !== null && /openai|azure/i.test(provider)) return openaiResponses(u);
  return anthropic(u);
}

export function isUsageEvent(e: Obj): boolean {
  return e.event === USAGE_EVENT || e.msg === USAGE_EVENT || e.message === USAGE_EVENT;
}

/** null: not a usage event. Otherwise the normalized usage, or why this usage event cannot be used. */
export function normalizeUsageEvent(value: unknown): NormalizeResult {
  if (!isObj(value) || !isUsageEvent(value)) return null;
  const model = str(value, 'model');
  if (model === null) return { ok: false, error: 'the event has no "model"' };
  const provider = str(value, 'provider');
  try {
    const u = sub(value, 'usage') ?? sub(value, 'usageMetadata') ?? sub(value, 'usage_metadata');
    const tokens = u ? nested(u, provider) : flat(value);
    const cost = value.cost_usd ?? value.costUsd;
    if (
      cost !== undefined &&
      cost !== null &&
      (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)
    ) {
      throw new Bad('cost_usd must be a number ≥ 0');
    }
    return {
      ok: true,
      usage: {
        model,
        provider,
        requestId: str(value, 'request_id', 'requestId'),
        at: time(value),
        tokens,
        reportedMicro: typeof cost === 'number' ? usdToMicro(cost) : null,
      },
    };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * One log line → a usage result. Cheap for the common case: a line that does not mention llm_usage is not
 * parsed. A prefix before the JSON object ("2026-11-26 INFO {…}") is skipped. A line that mentions
 * llm_usage but holds no JSON object, or JSON that does not parse (a cut line, say), is a rejected usage
 * line: it may well have been one. Valid JSON that is not a usage event is not (it only mentions the name).
 */
export function parseUsageLine(line: string): NormalizeResult {
  if (!line.includes(USAGE_EVENT)) return null;
  const start = line.indexOf('{');
  if (start === -1) return { ok: false, error: `the line mentions ${USAGE_EVENT} but holds no JSON object` };
  let value: unknown;
  try {
    value = JSON.parse(start === 0 ? line : line.slice(start));
  } catch {
    return { ok: false, error: 'the line is not valid JSON (cut short, or not JSON)' };
  }
  return normalizeUsageEvent(value);
}
