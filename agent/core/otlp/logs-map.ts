/**
 * OTLP log records → one usage draft per model call. A record is usage when its attributes carry token
 * counts in one of these conventions (anything else a sender logs is not usage and is left alone):
 *  - the OTel GenAI attributes (as on a GenAI span or event): `gen_ai.usage.input_tokens` INCLUDES cache
 *    reads and writes (`gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`
 *    are taken out of it), `gen_ai.usage.output_tokens`; the older `gen_ai.usage.prompt_tokens` /
 *    `completion_tokens`; model `gen_ai.response.model` (else `gen_ai.request.model`), provider
 *    `gen_ai.provider.name` (else `gen_ai.system`), request id `gen_ai.response.id`;
 *  - Claude Code's `claude_code.api_request` event: `input_tokens` (cache excluded), `output_tokens`,
 *    `cache_read_tokens`, `cache_creation_tokens`, `cost_usd` (reported), `model`.
 * The idempotency key is the provider's response id when there is one, else the record's identity (its
 * resource, scope, times and attributes), so a retried batch counts once. Pure: `hash` is injected.
 */
import { zeroTokens } from '../usage/model.js';
import type { UsageDraft } from './deltas.js';
import { attrMap, canonical, nanosText, nanosToMs, text, type AttrValue, type LogsRequest } from './wire.js';

export interface LogsMapped {
  drafts: UsageDraft[];
  /** Records that carry usage but could not be used, by reason. */
  rejected: Record<string, number>;
  /** Records without usage (left alone). */
  other: number;
}

const GENAI = {
  input: 'gen_ai.usage.input_tokens',
  output: 'gen_ai.usage.output_tokens',
  read: 'gen_ai.usage.cache_read.input_tokens',
  write: 'gen_ai.usage.cache_creation.input_tokens',
  prompt: 'gen_ai.usage.prompt_tokens',
  completion: 'gen_ai.usage.completion_tokens',
} as const;

type Attrs = Readonly<Record<string, AttrValue>>;

/** A token count attribute: absent → 0; present, it must be a whole number ≥ 0 (as a number or text). */
function count(a: Attrs, key: string): number | { reason: string } {
  const v = a[key];
  if (v === undefined) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : { reason: `"${key}" is not a whole number` };
}

function eventName(a: Attrs, body: unknown): string | null {
  return text(a, 'event.name') ?? (typeof body === 'string' ? body : null);
}

interface Read {
  convention: 'genai' | 'claude';
  tokens: Record<'input' | 'output' | 'read' | 'write', number>;
  inputIncludesCache: boolean;
  model: string | null;
  provider: string | null;
  id: string | null;
  costUsd: number | null;
}

function readRecord(a: Attrs, body: unknown): Read | null | { reason: string } {
  const ev = eventName(a, body);
  const claude = ev === 'claude_code.api_request' || ev === 'api_request';
  const genai = Object.values(GENAI).some((k) => a[k] !== undefined);
  if (!claude && !genai) return null;
  const keys = claude
    ? {
        input: 'input_tokens',
        output: 'output_tokens',
        read: 'cache_read_tokens',
        write: 'cache_creation_tokens',
      }
    : {
        input: a[GENAI.input] !== undefined ? GENAI.input : GENAI.prompt,
        output: a[GENAI.output] !== undefined ? GENAI.output : GENAI.completion,
        read: GENAI.read,
        write: GENAI.write,
      };
  const tokens = { input: 0, output: 0, read: 0, write: 0 };
  for (const k of ['input', 'output', 'read', 'write'] as const) {
    const n = count(a, keys[k]);
    if (typeof n === 'object') return n;
    tokens[k] = n;
  }
  let costUsd: number | null = null;
  if (claude && a.cost_usd !== undefined) {
    const c = Number(a.cost_usd);
    if (!Number.isFinite(c) || c < 0) return { reason: '"cost_usd" is not a non-negative number' };
    costUsd = c;
  }
  return {
    convention: claude ? 'claude' : 'genai',
    tokens,
    inputIncludesCache: !claude,
    model: claude ? text(a, 'model') : text(a, 'gen_ai.response.model', 'gen_ai.request.model', 'model'),
    provider: claude ? 'anthropic' : text(a, 'gen_ai.provider.name', 'gen_ai.system'),
    id: claude ? text(a, 'request_id') : text(a, 'gen_ai.response.id'),
    costUsd,
  };
}

export function mapLogs(req: LogsRequest, now: number, hash: (s: string) => string): LogsMapped {
  const out: LogsMapped = { drafts: [], rejected: {}, other: 0 };
  const reject = (why: string) => (out.rejected[why] = (out.rejected[why] ?? 0) + 1);
  for (const rl of req.resourceLogs ?? []) {
    const res = attrMap(rl.resource?.attributes);
    const serviceName = text(res, 'service.name');
    const resText = canonical(res);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = `${sl.scope?.name ?? ''}@${sl.scope?.version ?? ''}`;
      for (const rec of sl.logRecords ?? []) {
        const a = attrMap(rec.attributes);
        const body = rec.body?.stringValue;
        const r = readRecord(a, body);
        if (r === null) {
          out.other++;
          continue;
        }
        if ('reason' in r) {
          reject(r.reason);
          continue;
        }
        if (r.model === null) {
          reject('no model attribute');
          continue;
        }
        const tokens = zeroTokens();
        tokens.output = r.tokens.output;
        tokens.cacheRead = r.tokens.read;
        tokens.cacheWrite = r.tokens.write;
        // OTel's input includes the cache; the ledger's does not.
        tokens.input = r.inputIncludesCache
          ? Math.max(0, r.tokens.input - r.tokens.read - r.tokens.write)
          : r.tokens.input;
        const time = rec.timeUnixNano ?? rec.observedTimeUnixNano;
        out.drafts.push({
          // The record's identity is built only when there is no response id to key it by.
          key:
            r.id !== null
              ? `otlp:id:${r.provider ?? ''}:${r.id.slice(0, 200)}`
              : `otlp:l:${hash(`${resText}|${scope}|${nanosText(rec.timeUnixNano)}|${nanosText(rec.observedTimeUnixNano)}|${canonical(a)}|${body ?? ''}`)}`,
          at: nanosToMs(time) ?? now,
          serviceName,
          model: r.model.slice(0, 200),
          provider: r.provider?.slice(0, 60) ?? null,
          requests: 1,
          tokens,
          reportedUsd: r.costUsd,
        });
      }
    }
  }
  return out;
}
