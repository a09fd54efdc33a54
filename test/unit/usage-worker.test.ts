/** Parsing chunks in a worker thread gives exactly the entries parsing in place gives; a failed worker falls back. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerChunkParser } from '../../agent/adapters/usage/worker-parser.js';
import { InlineChunkParser } from '../../agent/adapters/usage/inline-parser.js';
import { decodeChunk, encodeChunk } from '../../agent/adapters/usage/chunk-codec.js';
import { normalizePricing } from '../../agent/core/manifest/usage.js';
import type { LogChunk } from '../../agent/ports/usage-sources.js';
import { catalog } from '../helpers/usage.js';

const quote = catalog.quote.bind(catalog);
const job = { service: 'core', provider: 'anthropic', pricing: normalizePricing({ 'acme-*': { input: 1, output: 2 } }), timezone: 'Europe/Paris', now: Date.UTC(2026, 10, 26, 23, 30) };

function chunk(lines: string[], offset = 1000): LogChunk {
  const data = Buffer.from(`${lines.join('\n')}\n`);
  return { data, offset, fileId: 'f1', next: { ino: 1, offset: offset + data.length, fileId: 'f1', partial: false } };
}

const LINES = [
  'plain text line',
  JSON.stringify({ event: 'llm_usage', model: 'claude-sonnet-4-5', request_id: 'a', usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 3 } }),
  JSON.stringify({ event: 'llm_usage', model: 'gpt-4o', provider: 'openai', ts: '2026-11-26T10:00:00Z', usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 40 } } }),
  JSON.stringify({ event: 'llm_usage', model: 'acme-x', input_tokens: 3, output_tokens: 1, cost_usd: 0.5 }),
  JSON.stringify({ event: 'llm_usage', model: 'acme-y', input_tokens: 3, output_tokens: 1 }),
  JSON.stringify({ event: 'llm_usage', model: 'mystery-model', input_tokens: 3, output_tokens: 1 }),
  JSON.stringify({ event: 'llm_usage', model: 'gpt-4o', usage: { prompt_tokens: 1, prompt_tokens_details: { cached_tokens: 2 } } }),
  '{"msg":"llm_usage"', // mentions it, is not JSON (cut short): counted
  '{"msg":"the llm_usage reporter is ready"}', // mentions it, valid JSON, not a usage event: not counted
];

describe('parsing in a worker thread', () => {
  it('gives the same entries, rejections and keys as parsing in place', async () => {
    const inline = await new InlineChunkParser(quote).parse(chunk(LINES), job);
    const worker = new WorkerChunkParser(quote, 0);
    try {
      const remote = await worker.parse(chunk(LINES), job);
      assert.equal(worker.running, true, 'the worker did the parsing');
      assert.deepEqual(remote, inline);
    } finally {
      await worker.close();
    }
    assert.equal(inline.entries.length, 5);
    assert.equal(inline.rejected, 2);
    assert.deepEqual(inline.reasons, {
      'prompt_tokens_details.cached_tokens exceeds prompt_tokens': 1,
      'the line is not valid JSON (cut short, or not JSON)': 1,
    });
    // sonnet 4.5: 10×$3 + 5×$0.30 + 3×$15 = 76.5 µ$ → 77; gpt-4o: 60×$2.50 + 40×$1.25 + 7×$10 = 270 µ$
    assert.deepEqual(
      inline.entries.map((e) => [e.model, e.costSource, e.costMicro]),
      [
        ['claude-sonnet-4-5', 'computed', 77],
        ['gpt-4o', 'computed', 270],
        ['acme-x', 'reported', 500_000],
        ['acme-y', 'override', 5],
        ['mystery-model', 'unpriced', null],
      ],
    );
    assert.equal(inline.entries[0]!.key, 'log:core:req:a');
    assert.match(inline.entries[1]!.key, /^log:core:f1:\d+$/);
    assert.equal(inline.entries[3]!.day, '2026-11-27', 'no time in the event: the job time, in the budget zone');
  });

  it('the codec round-trips entries exactly', () => {
    const parsed = new InlineChunkParser(quote).parseNow(chunk(LINES), job);
    assert.deepEqual(decodeChunk(encodeChunk(parsed, 'core')), parsed);
  });

  it('a worker that cannot start makes parsing continue in place', async () => {
    const broken = new WorkerChunkParser(quote, 0, 'throw new Error("no worker here")');
    const r = await broken.parse(chunk(LINES), job);
    assert.equal(r.entries.length, 5);
    assert.equal(broken.running, false);
    await broken.close();
  });
});
