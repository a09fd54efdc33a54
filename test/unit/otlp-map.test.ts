/** OTLP → usage, pure: which metrics and log attributes count, in which token convention, and cumulative deltas. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapMetrics } from '../../agent/core/otlp/metrics-map.js';
import { SERIES_TTL_MS, usageDeltas, type SeriesState } from '../../agent/core/otlp/deltas.js';
import { mapLogs } from '../../agent/core/otlp/logs-map.js';
import type { KeyValue, Metric, MetricsRequest } from '../../agent/core/otlp/wire.js';

const kv = (attrs: Record<string, string | number>): KeyValue[] =>
  Object.entries(attrs).map(([key, v]) => ({
    key,
    value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));
const req = (service: string, metrics: Metric[]): MetricsRequest => ({
  resourceMetrics: [
    {
      resource: { attributes: kv({ 'service.name': service }) },
      scopeMetrics: [{ scope: { name: 's' }, metrics }],
    },
  ],
});
const T0 = '1764000000000000000';
const t = (sec: number) => (BigInt(T0) + BigInt(sec) * 1_000_000_000n).toString();
const hist = (
  name: string,
  temporality: 1 | 2,
  points: [Record<string, string | number>, number, number, string?][],
): Metric => ({
  name,
  histogram: {
    aggregationTemporality: temporality,
    dataPoints: points.map(([a, sum, count, time]) => ({
      attributes: kv(a),
      sum,
      count: String(count),
      startTimeUnixNano: T0,
      timeUnixNano: time ?? t(10),
    })),
  },
});
const counter = (
  name: string,
  temporality: 1 | 2,
  points: [Record<string, string | number>, number, string?][],
): Metric => ({
  name,
  sum: {
    aggregationTemporality: temporality,
    isMonotonic: true,
    dataPoints: points.map(([a, v, time]) => ({
      attributes: kv(a),
      ...(Number.isInteger(v) ? { asInt: String(v) } : { asDouble: v }),
      startTimeUnixNano: T0,
      timeUnixNano: time ?? t(10),
    })),
  },
});
const hash = (s: string) => String(s.length) + ':' + s.slice(-40);
const drafts = (r: MetricsRequest, prev: Record<string, SeriesState> = {}) =>
  usageDeltas(mapMetrics(r).points, prev, 1_764_000_100_000, hash);

describe('OTLP metrics → usage', () => {
  it('gen_ai.client.token.usage: input includes the cache (taken out), requests from the input count', () => {
    const m = { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai' };
    const { drafts: d } = drafts(
      req('app', [
        hist('gen_ai.client.token.usage', 1, [
          [{ ...m, 'gen_ai.token.type': 'input' }, 1000, 3],
          [{ ...m, 'gen_ai.token.type': 'cache_read' }, 400, 3],
          [{ ...m, 'gen_ai.token.type': 'output' }, 250, 3],
        ]),
      ]),
    );
    assert.equal(d.length, 1);
    assert.deepEqual(
      [
        d[0]!.serviceName,
        d[0]!.model,
        d[0]!.provider,
        d[0]!.requests,
        d[0]!.tokens.input,
        d[0]!.tokens.cacheRead,
        d[0]!.tokens.output,
      ],
      ['app', 'gpt-4o', 'openai', 3, 600, 400, 250],
    );
    assert.equal(d[0]!.reportedUsd, null);
  });

  it('the older gen_ai.usage.prompt_tokens / completion_tokens counters', () => {
    const a = { 'gen_ai.response.model': 'gpt-4o-mini', 'gen_ai.system': 'openai' };
    const { drafts: d } = drafts(
      req('app', [
        counter('gen_ai.usage.prompt_tokens', 1, [[a, 70]]),
        counter('gen_ai.usage.completion_tokens', 1, [[a, 9]]),
      ]),
    );
    assert.deepEqual(
      [d[0]!.model, d[0]!.provider, d[0]!.tokens.input, d[0]!.tokens.output],
      ['gpt-4o-mini', 'openai', 70, 9],
    );
  });

  it('Claude Code and OpenClaw: input excludes the cache; their cost is reported; prompt/total are sums, skipped', () => {
    const cc = drafts(
      req('claude-code', [
        counter('claude_code.token.usage', 1, [
          [{ model: 'claude-opus-4-1', type: 'input' }, 10],
          [{ model: 'claude-opus-4-1', type: 'cacheRead' }, 500],
          [{ model: 'claude-opus-4-1', type: 'cacheCreation' }, 40],
          [{ model: 'claude-opus-4-1', type: 'output' }, 7],
        ]),
        counter('claude_code.cost.usage', 1, [[{ model: 'claude-opus-4-1' }, 0.125]]),
      ]),
    ).drafts;
    assert.deepEqual(
      [
        cc[0]!.provider,
        cc[0]!.tokens.input,
        cc[0]!.tokens.cacheRead,
        cc[0]!.tokens.cacheWrite,
        cc[0]!.tokens.output,
        cc[0]!.reportedUsd,
      ],
      ['anthropic', 10, 500, 40, 7, 0.125],
    );
    const base = { 'openclaw.model': 'gpt-5', 'openclaw.provider': 'openai' };
    const oc = drafts(
      req('openclaw', [
        counter('openclaw.tokens', 1, [
          [{ ...base, 'openclaw.token': 'input' }, 100],
          [{ ...base, 'openclaw.token': 'cache_read' }, 900],
          [{ ...base, 'openclaw.token': 'output' }, 20],
          [{ ...base, 'openclaw.token': 'prompt' }, 1000],
          [{ ...base, 'openclaw.token': 'total' }, 1020],
        ]),
        counter('openclaw.cost.usd', 1, [[base, 0.01]]),
      ]),
    ).drafts;
    assert.deepEqual(
      [
        oc[0]!.model,
        oc[0]!.provider,
        oc[0]!.tokens.input,
        oc[0]!.tokens.cacheRead,
        oc[0]!.tokens.output,
        oc[0]!.reportedUsd,
      ],
      ['gpt-5', 'openai', 100, 900, 20, 0.01],
    );
  });

  it('one resource, one convention: vendor metrics win over gen_ai.*, which wins over the older names', () => {
    const g = { 'gen_ai.request.model': 'claude-opus-4-1', 'gen_ai.token.type': 'input' };
    const mapped = mapMetrics(
      req('claude-code', [
        hist('gen_ai.client.token.usage', 1, [[g, 1000, 1]]),
        counter('gen_ai.usage.prompt_tokens', 1, [[g, 1000]]),
        counter('claude_code.token.usage', 1, [[{ model: 'claude-opus-4-1', type: 'input' }, 10]]),
      ]),
    );
    assert.equal(mapped.superseded, 2);
    assert.deepEqual(
      mapped.points.map((p) => [p.field, p.value]),
      [['input', 10]],
    );
    const genai = mapMetrics(
      req('app', [
        hist('gen_ai.client.token.usage', 1, [[g, 1000, 1]]),
        counter('gen_ai.usage.prompt_tokens', 1, [[g, 1000]]),
      ]),
    );
    assert.deepEqual([genai.superseded, genai.points.length], [1, 1]);
  });

  it('names what it cannot use: unknown metrics, gauges, missing model or type, fractional tokens', () => {
    const mapped = mapMetrics(
      req('app', [
        counter('process.widgets', 1, [[{}, 1]]),
        { name: 'claude_code.token.usage', gauge: { dataPoints: [{ asInt: '1' }] } },
        counter('openclaw.tokens', 1, [
          [{ 'openclaw.token': 'input' }, 5],
          [{ 'openclaw.model': 'm', 'openclaw.token': 'weird' }, 5],
          [{ 'openclaw.model': 'm', 'openclaw.token': 'input' }, 5.5],
        ]),
        { name: 'openclaw.cost.usd', sum: { aggregationTemporality: 0, dataPoints: [{ asDouble: 1 }] } },
      ]),
    );
    assert.deepEqual(mapped.unknownMetrics, ['process.widgets']);
    assert.deepEqual(mapped.points, []);
    assert.deepEqual(mapped.rejected, {
      'claude_code.token.usage: not a sum or a histogram (a gauge cannot be added up)': 1,
      'openclaw.tokens: no model attribute': 1,
      'openclaw.tokens: unknown openclaw.token "weird"': 1,
      'openclaw.tokens: a token count that is not a whole number': 1,
      'openclaw.cost.usd: a sum without delta or cumulative temporality': 1,
    });
  });

  it('delta: the same batch twice makes the same key (the ledger stores it once)', () => {
    const r = req('app', [counter('claude_code.token.usage', 1, [[{ model: 'x', type: 'input' }, 5]])]);
    const a = drafts(r).drafts;
    const b = drafts(r).drafts;
    assert.equal(a[0]!.key, b[0]!.key);
    const later = drafts(
      req('app', [counter('claude_code.token.usage', 1, [[{ model: 'x', type: 'input' }, 5, t(20)]])]),
    );
    assert.notEqual(later.drafts[0]!.key, a[0]!.key, 'a later point is new usage');
  });

  it('cumulative: deltas against the last value, retries and older points add nothing, a reset counts from zero', () => {
    const at = (v: number, sec: number, start = T0) =>
      req('app', [
        {
          name: 'claude_code.token.usage',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [
              {
                attributes: kv({ model: 'x', type: 'output' }),
                asInt: String(v),
                startTimeUnixNano: start,
                timeUnixNano: t(sec),
              },
            ],
          },
        },
      ]);
    const first = drafts(at(100, 10));
    assert.equal(
      first.drafts[0]!.tokens.output,
      100,
      'the first point counts whole: it starts at its start time',
    );
    const second = drafts(at(130, 20), first.next);
    assert.equal(second.drafts[0]!.tokens.output, 30);
    const retry = drafts(at(130, 20), second.next);
    assert.deepEqual([retry.drafts.length, retry.unchanged], [0, 1]);
    const older = drafts(at(120, 15), second.next);
    assert.equal(older.drafts.length, 0);
    const restarted = drafts(at(7, 30, t(25)), second.next);
    assert.equal(restarted.drafts[0]!.tokens.output, 7, 'a new start time: a new process, counted from zero');
    const down = drafts(at(5, 40), second.next);
    assert.equal(down.drafts[0]!.tokens.output, 5, 'a value that went down: a reset');
    const stale = Object.fromEntries(
      Object.entries(second.next).map(([k, s]) => [k, { ...s, seen: 1_764_000_100_000 - SERIES_TTL_MS }]),
    );
    assert.equal(
      Object.keys(usageDeltas([], stale, 1_764_000_100_000, hash).next).length,
      0,
      'forgotten after the TTL',
    );
  });
});

describe('OTLP logs → usage', () => {
  const logs = (
    service: string,
    records: { attrs: Record<string, string | number>; body?: string; time?: string }[],
  ) => ({
    resourceLogs: [
      {
        resource: { attributes: kv({ 'service.name': service }) },
        scopeLogs: [
          {
            scope: { name: 's' },
            logRecords: records.map((r, i) => ({
              attributes: kv(r.attrs),
              timeUnixNano: r.time ?? t(i),
              ...(r.body ? { body: { stringValue: r.body } } : {}),
            })),
          },
        ],
      },
    ],
  });

  it('GenAI attributes: input less the cache reads and writes; the response id is the key', () => {
    const out = mapLogs(
      logs('app', [
        {
          attrs: {
            'gen_ai.response.model': 'claude-sonnet-4-5',
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.usage.input_tokens': 1000,
            'gen_ai.usage.cache_read.input_tokens': 600,
            'gen_ai.usage.cache_creation.input_tokens': 100,
            'gen_ai.usage.output_tokens': 50,
            'gen_ai.response.id': 'msg_1',
          },
        },
        {
          attrs: {
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.prompt_tokens': 40,
            'gen_ai.usage.completion_tokens': 4,
          },
        },
        { attrs: { 'http.route': '/x' }, body: 'an ordinary log line' },
      ]),
      0,
      hash,
    );
    assert.equal(out.other, 1, 'not usage, left alone');
    const [a, b] = out.drafts;
    assert.deepEqual(
      [a!.key, a!.tokens.input, a!.tokens.cacheRead, a!.tokens.cacheWrite, a!.tokens.output],
      ['otlp:id:anthropic:msg_1', 300, 600, 100, 50],
    );
    assert.deepEqual([b!.model, b!.tokens.input, b!.tokens.output, b!.requests], ['gpt-4o', 40, 4, 1]);
    assert.match(b!.key, /^otlp:l:/);
    assert.equal(
      mapLogs(
        logs('app', [{ attrs: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 40 } }]),
        0,
        hash,
      ).drafts[0]!.key,
      mapLogs(
        logs('app', [{ attrs: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 40 } }]),
        0,
        hash,
      ).drafts[0]!.key,
      'the same record, the same key',
    );
  });

  it("Claude Code's api_request event: its cost is reported, input excludes the cache", () => {
    const out = mapLogs(
      logs('claude-code', [
        {
          body: 'claude_code.api_request',
          attrs: {
            model: 'claude-opus-4-1',
            input_tokens: 12,
            output_tokens: 300,
            cache_read_tokens: 9000,
            cache_creation_tokens: 200,
            cost_usd: 0.42,
          },
        },
      ]),
      0,
      hash,
    );
    const d = out.drafts[0]!;
    assert.deepEqual(
      [d.provider, d.tokens.input, d.tokens.cacheRead, d.tokens.cacheWrite, d.tokens.output, d.reportedUsd],
      ['anthropic', 12, 9000, 200, 300, 0.42],
    );
  });

  it('usage records it cannot use are counted by reason', () => {
    const out = mapLogs(
      logs('app', [
        { attrs: { 'gen_ai.usage.input_tokens': 10 } },
        { attrs: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 'lots' } },
      ]),
      0,
      hash,
    );
    assert.deepEqual(out.rejected, {
      'no model attribute': 1,
      '"gen_ai.usage.input_tokens" is not a whole number': 1,
    });
    assert.equal(out.drafts.length, 0);
  });
});
