/** Prometheus text parsing, counters → deltas (resets, gaps, restarts), and LiteLLM attribution → exact totals. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, seriesKey } from '../../agent/core/usage/prom-text.js';
import { counterDeltas } from '../../agent/core/usage/counters.js';
import { usageEnv, usageSpec, type UsageEnv } from '../helpers/usage.js';

describe('Prometheus text format', () => {
  it('reads samples, labels with escapes, special values, timestamps and exemplars', () => {
    const text = [
      '# HELP agent_tokens_total Tokens used.',
      '# TYPE agent_tokens_total counter',
      'agent_tokens_total{model="claude-sonnet-4-5",direction="input"} 1200',
      'agent_tokens_total{ model = "a\\"b\\\\c\\nd" , direction="output", } 3.5e2 1700000000000',
      'up 1',
      'x_seconds{le="+Inf"} +Inf',
      'y NaN',
      'agent_requests_total{model="m"} 7 # {trace_id="abc"} 1.0 1700000000.1',
      'this is not a sample',
      'z{bad="unterminated} 1',
      '',
    ].join('\r\n');
    const m = parsePrometheusText(text);
    assert.equal(m.types.agent_tokens_total, 'counter');
    assert.deepEqual(m.samples[0], {
      name: 'agent_tokens_total',
      labels: { model: 'claude-sonnet-4-5', direction: 'input' },
      value: 1200,
    });
    assert.deepEqual(m.samples[1]!.labels, { model: 'a"b\\c\nd', direction: 'output' });
    assert.equal(m.samples[1]!.value, 350);
    assert.equal(m.samples[2]!.value, 1);
    assert.equal(m.samples[3]!.value, Infinity);
    assert.ok(Number.isNaN(m.samples[4]!.value));
    assert.deepEqual(m.samples[5], { name: 'agent_requests_total', labels: { model: 'm' }, value: 7 });
    assert.deepEqual(m.badLines, [9, 10]);
    assert.equal(seriesKey('a', { z: '1', b: '2' }), seriesKey('a', { b: '2', z: '1' }));
  });
});

describe('counter deltas', () => {
  const vals = (o: Record<string, number>) => new Map(Object.entries(o));

  it('first scrape is a baseline; then increases, a reset (counts from zero) and a new series', () => {
    const a = counterDeltas(undefined, vals({ x: 100 }), null, 1);
    assert.equal(a.first, true);
    assert.equal(a.deltas.size, 0);
    const b = counterDeltas(a.next, vals({ x: 130 }), null, 2);
    assert.deepEqual([...b.deltas], [['x', 30]]);
    const c = counterDeltas(b.next, vals({ x: 20, y: 5 }), null, 3);
    assert.deepEqual(
      [...c.deltas],
      [
        ['x', 20],
        ['y', 5],
      ],
    );
    assert.equal(c.resets, 1);
  });

  it('a series absent for a while keeps its last value; a changed process start time resets every series', () => {
    const a = counterDeltas(undefined, vals({ x: 10, y: 10 }), 1000, 1);
    const b = counterDeltas(a.next, vals({ x: 15 }), 1000, 2);
    const c = counterDeltas(b.next, vals({ x: 16, y: 12 }), 1000, 3);
    assert.deepEqual(
      [...c.deltas],
      [
        ['x', 1],
        ['y', 2],
      ],
    );
    // restarted and already counted past the old values before the scrape: still counted from zero
    const d = counterDeltas(c.next, vals({ x: 40 }), 2000, 4);
    assert.deepEqual([...d.deltas], [['x', 40]]);
    const e = counterDeltas(d.next, vals({ x: 41, y: 3 }), 2000, 5);
    assert.deepEqual(
      [...e.deltas],
      [
        ['x', 1],
        ['y', 3],
      ],
      'y restarted at 0 with the process',
    );
  });
});

let env: UsageEnv;
afterEach(() => env?.close());
const DAY = '2026-11-26';
const ctx = () => ({ pricing: undefined, calendar: env.calendar });

function agentText(input: number, output: number, requests: number, extra = ''): string {
  return [
    '# TYPE agent_tokens_total counter',
    `agent_tokens_total{model="claude-sonnet-4-5",direction="input"} ${input}`,
    `agent_tokens_total{model="claude-sonnet-4-5",direction="output"} ${output}`,
    `agent_requests_total{model="claude-sonnet-4-5",status="ok"} ${requests}`,
    extra,
  ].join('\n');
}

describe('scraping a service', () => {
  it('turns counters into exact totals across a counter reset and a scrape gap', async () => {
    env = usageEnv();
    const spec = usageSpec({ metrics: true, provider: 'anthropic' });
    const scrape = async (body: string | Error) => {
      env.fetcher.queue.push(body);
      await env.clock.advance(15_000);
      return env.ingester.scrape('core', spec, 'metrics', 'http://x/metrics', ctx());
    };
    await scrape(agentText(5000, 500, 5)); // baseline: used before Vigil looked, not counted
    await scrape(agentText(6000, 600, 6)); // +1000 / +100 / +1
    await scrape(new Error('connection refused')); // endpoint down…
    await scrape(new Error('timed out after 5000 ms'));
    await scrape(agentText(9000, 900, 9)); // …the gap is carried whole: +3000 / +300 / +3
    await scrape(agentText(2000, 200, 2)); // the service restarted: counts from zero: +2000 / +200 / +2
    await scrape(agentText(2000, 200, 2)); // nothing new
    const t = env.ledger.totals(DAY, DAY, 'service')[0]!;
    assert.equal(t.tokens.input, 6000);
    assert.equal(t.tokens.output, 600);
    assert.equal(t.requests, 6);
    assert.equal(t.costMicro, 6000 * 3 + 600 * 15);
    const src = env.ingester.sources()[0]!;
    assert.equal(src.ok, true);
  });

  it('a restart of the agent between scrapes neither loses nor repeats a delta', async () => {
    env = usageEnv();
    const spec = usageSpec({ metrics: true });
    env.fetcher.queue.push(agentText(100, 10, 1), agentText(200, 20, 2));
    await env.ingester.scrape('core', spec, 'metrics', 'u', ctx());
    await env.clock.advance(1000);
    await env.ingester.scrape('core', spec, 'metrics', 'u', ctx());
    env.reopen();
    env.fetcher.queue.push(agentText(250, 25, 3));
    await env.clock.advance(1000);
    await env.ingester.scrape('core', spec, 'metrics', 'u', ctx());
    const t = env.ledger.totals(DAY, DAY, 'service')[0]!;
    assert.deepEqual([t.tokens.input, t.tokens.output, t.requests], [150, 15, 2]);
  });
});

describe('a LiteLLM proxy', () => {
  const proxyText = (spendCore: number, spendBatch: number, spendOther: number, tokensCore: number) =>
    [
      '# TYPE litellm_spend_metric_total counter',
      `litellm_spend_metric_total{api_key_alias="core-key",model="gpt-4o",team="t1",hashed_api_key="h1"} ${spendCore}`,
      `litellm_spend_metric_created{api_key_alias="core-key",model="gpt-4o",team="t1",hashed_api_key="h1"} 1.7e9`,
      `litellm_spend_metric_total{api_key_alias="",model="claude-sonnet-4-5",team="research",hashed_api_key="h2"} ${spendBatch}`,
      `litellm_spend_metric_total{api_key_alias="stranger",model="gpt-4o",team="",hashed_api_key="h3"} ${spendOther}`,
      `litellm_input_tokens_metric_total{api_key_alias="core-key",model="gpt-4o",requested_model="gpt-4o"} ${tokensCore}`,
      `litellm_input_tokens_total{api_key_alias="core-key",model="gpt-4o",requested_model="gpt-4o"} ${tokensCore * 100}`,
      `litellm_output_tokens_metric_total{api_key_alias="core-key",model="gpt-4o",requested_model="gpt-4o"} ${tokensCore / 10}`,
      `litellm_requests_metric_total{api_key_alias="core-key",model="gpt-4o"} ${tokensCore / 100}`,
    ].join('\n');

  it('attributes reported spend by key alias, then team, else to the proxy; reads only the _metric token names', async () => {
    env = usageEnv();
    const spec = usageSpec({
      log: undefined,
      litellm: { url: 'u', keyAliases: { 'core-key': 'core' }, teams: { research: 'batch' } },
    });
    env.fetcher.queue.push(
      proxyText(1.5, 0.25, 0.1, 1000),
      proxyText(1.750001, 0.5, 0.1, 3000),
      proxyText(0.000002, 0.5, 0.3, 100),
    );
    for (let i = 0; i < 3; i++) {
      await env.ingester.scrape('proxy', spec, 'litellm', 'u', ctx());
      await env.clock.advance(10_000);
    }
    const by = new Map(env.ledger.totals(DAY, DAY, 'service').map((t) => [t.key, t]));
    // core: +0.250001, then a reset (proxy restarted) to 0.000002
    assert.equal(by.get('core')!.costMicro, 250_001 + 2);
    assert.equal(by.get('core')!.reportedMicro, 250_003);
    assert.equal(by.get('core')!.tokens.input, 2000 + 100, 'the _metric series only, never both names');
    assert.equal(by.get('core')!.tokens.output, 200 + 10);
    assert.equal(by.get('core')!.requests, 20 + 1);
    assert.equal(by.get('batch')!.costMicro, 250_000);
    assert.equal(by.get('proxy')!.costMicro, 200_000, "an unmapped key is the proxy's own spend");
  });
});
