/**
 * OTLP in, end to end: the real agent with `otlp:` in the manifest, and senders in separate processes that
 * use the real OpenTelemetry JS SDK exporters (metrics over http/json and http/protobuf, delta and
 * cumulative; logs over both), with known token counts for several models and every batch sent twice (a
 * retry of the very same batch), one of them across an agent restart. `vigil usage --json` must show the
 * exact tokens and cost (computed by @pydantic/genai-prices' own calculator, or reported), nothing counted
 * twice. Bad input gets a clear 4xx and changes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { calcPrice } from '@pydantic/genai-prices';
import type { UsageReport, UsageTotalsDoc } from '../../agent/core/usage/report.js';
import {
  FIXTURES,
  makeHome,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { freePort } from '../helpers/free-port.js';
import { uniquePrefix } from '../helpers/systemd.js';
import type { OtlpPlan, OtlpRecord } from '../helpers/otlp-sender.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SENDER = path.join(ROOT, 'test', 'helpers', 'otlp-sender.ts');
const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');

/** Runs the sender; `onPause` is called at each PAUSE, and the sender goes on when it returns. */
function send(
  plan: OtlpPlan,
  onPause?: () => Promise<void>,
): Promise<{ ok: boolean; error: string | null }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SENDER, JSON.stringify(plan)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.endsWith('PAUSE\n')) {
        out = '';
        (onPause ?? (async () => undefined))().then(
          () => child.stdin.write('go\n'),
          (e: unknown) => {
            child.kill();
            reject(e as Error);
          },
        );
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`sender exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim()) as { ok: boolean; error: string | null }[]);
    });
  });
}

/** µ$ of one entry, by the price library's own calculator (rounded once, as the ledger does per entry). */
function priced(
  model: string,
  provider: string,
  t: { input: number; output: number; cacheRead?: number; cacheWrite?: number },
): number {
  const r = calcPrice(
    {
      input_tokens: t.input + (t.cacheRead ?? 0) + (t.cacheWrite ?? 0),
      cache_read_tokens: t.cacheRead ?? 0,
      cache_write_tokens: t.cacheWrite ?? 0,
      output_tokens: t.output,
    },
    model,
    { providerId: provider, timestamp: new Date() },
  );
  assert.ok(r, `${model} has a price`);
  return Math.round(r.total_price * 1e6);
}

describe('OTLP in (real agent, OpenTelemetry JS SDK exporters in separate processes)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let port: number;
  const core = `${uniquePrefix()}-core`;
  const worker = `${uniquePrefix()}-worker`;
  const stranger = 'unknown-bot';

  const usage = async (): Promise<UsageReport> => t.json<UsageReport>(['usage', '--by', 'model']);
  const row = (r: UsageReport, model: string): UsageTotalsDoc & { key: string } => {
    const found = r.rows.find((x) => x.key === model);
    assert.ok(found, `a row for ${model}: ${JSON.stringify(r.rows.map((x) => x.key))}`);
    return found;
  };
  const listening = () =>
    waitFor(
      'the OTLP listener',
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/metrics`, { method: 'GET' });
          return res.status === 405 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      20_000,
      100,
    );
  const url = (what: 'metrics' | 'logs') => `http://127.0.0.1:${port}/v1/${what}`;

  before(async () => {
    t = await makeHome();
    port = await freePort();
    const yaml = `services:
  ${core}:
    command: [${SLEEPER}]
  ${worker}:
    command: [${SLEEPER}]
budget: { timezone: UTC }
otlp:
  listen: "127.0.0.1:${port}"
  services:
    claude-code: ${core}
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    await listening();
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  // core (service.name "claude-code", mapped): GenAI histograms over http/json, delta, two batches.
  const sonnet1: OtlpRecord = {
    kind: 'genai',
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    input: 12_000,
    output: 3_000,
  };
  const gpt: OtlpRecord = { kind: 'genai', model: 'gpt-4o', provider: 'openai', input: 8_000, output: 1_000 };
  const sonnet2: OtlpRecord = { ...sonnet1, input: 1_000, output: 500 };

  it('GenAI token histograms over http/json (delta), each batch sent twice: counted once, attributed through otlp.services', async () => {
    const results = await send({
      url: url('metrics'),
      protocol: 'json',
      temporality: 'delta',
      serviceName: 'claude-code',
      batches: [[sonnet1, gpt], [sonnet2]],
      sends: 2,
    });
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, true, true],
      JSON.stringify(results),
    );
    const r = await usage();
    const s = row(r, 'claude-sonnet-4-5');
    assert.deepEqual(
      [s.requests, s.tokens.input, s.tokens.output, s.tokens.cacheRead],
      [2, 13_000, 3_500, 0],
    );
    assert.equal(
      s.costMicro,
      priced('claude-sonnet-4-5', 'anthropic', sonnet1 as never) +
        priced('claude-sonnet-4-5', 'anthropic', sonnet2 as never),
    );
    const g = row(r, 'gpt-4o');
    assert.deepEqual([g.requests, g.tokens.input, g.tokens.output], [1, 8_000, 1_000]);
    assert.equal(g.costMicro, priced('gpt-4o', 'openai', gpt as never));
    assert.equal(g.reportedMicro, 0, 'computed, not reported');
    const byService = await t.json<UsageReport>(['usage', '--by', 'service']);
    assert.deepEqual(
      byService.rows.map((x) => x.key),
      [core],
      'claude-code → the manifest service',
    );
  });

  it('Claude Code counters over http/protobuf (cumulative), retried, across an agent restart: exact, the reported cost wins', async () => {
    const opus = (input: number, output: number, extra: Partial<OtlpRecord>): OtlpRecord => ({
      kind: 'claude-code',
      model: 'claude-opus-4-1',
      input,
      output,
      ...extra,
    });
    const batches: OtlpRecord[][] = [
      [
        opus(100, 2_000, { cacheRead: 5_000, cacheWrite: 1_000, costUsd: 0.25 }),
        { kind: 'claude-code', model: 'claude-haiku-4-5', input: 300, output: 400 },
      ],
      [opus(50, 100, { costUsd: 0.05 })],
      [opus(10, 0, { costUsd: 0.01 })],
    ];
    const results = await send(
      {
        url: url('metrics'),
        protocol: 'proto',
        temporality: 'cumulative',
        serviceName: worker,
        batches,
        sends: 2,
        pauseBeforeBatch: 2,
      },
      async () => {
        // Between batches 2 and 3 the agent restarts: the cumulative series' last values must survive it.
        await agent.stop();
        agent = await startAgent(t);
        await listening();
      },
    );
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, true, true, true, true],
      JSON.stringify(results),
    );
    const r = await usage();
    const o = row(r, 'claude-opus-4-1');
    assert.deepEqual(
      [o.tokens.input, o.tokens.output, o.tokens.cacheRead, o.tokens.cacheWrite],
      [160, 2_100, 5_000, 1_000],
    );
    assert.equal(o.costMicro, 310_000, 'the reported $0.25 + $0.05 + $0.01');
    assert.equal(o.reportedMicro, o.costMicro, 'marked reported');
    const h = row(r, 'claude-haiku-4-5');
    assert.deepEqual([h.tokens.input, h.tokens.output], [300, 400]);
    assert.equal(h.costMicro, priced('claude-haiku-4-5', 'anthropic', { input: 300, output: 400 }));
    assert.equal(h.reportedMicro, 0);
  });

  it('GenAI log records over http/protobuf and http/json: input less the cache, once each, unknown service.name kept and flagged', async () => {
    const first: OtlpRecord[] = [
      {
        kind: 'log',
        model: 'gpt-4o-mini',
        provider: 'openai',
        input: 1_000,
        cacheRead: 300,
        output: 50,
        id: 'chatcmpl-1',
      },
      { kind: 'log', model: 'gpt-4o-mini', provider: 'openai', input: 2_000, output: 100 },
    ];
    const proto = await send({
      url: url('logs'),
      protocol: 'proto',
      serviceName: stranger,
      batches: [first],
      sends: 2,
    });
    const json = await send({
      url: url('logs'),
      protocol: 'json',
      serviceName: stranger,
      batches: [[{ kind: 'log', model: 'gpt-4o-mini', provider: 'openai', input: 500, output: 20 }]],
      sends: 2,
    });
    assert.deepEqual(
      [...proto, ...json].map((r) => r.ok),
      [true, true, true, true],
    );
    const r = await usage();
    const m = row(r, 'gpt-4o-mini');
    assert.deepEqual(
      [m.requests, m.tokens.input, m.tokens.cacheRead, m.tokens.output],
      [3, 700 + 2_000 + 500, 300, 170],
    );
    assert.equal(
      m.costMicro,
      priced('gpt-4o-mini', 'openai', { input: 700, cacheRead: 300, output: 50 }) +
        priced('gpt-4o-mini', 'openai', { input: 2_000, output: 100 }) +
        priced('gpt-4o-mini', 'openai', { input: 500, output: 20 }),
    );
    const byService = await t.json<UsageReport>(['usage', '--by', 'service']);
    assert.ok(
      byService.rows.some((x) => x.key === stranger),
      'kept under its own name',
    );
    const flagged = byService.sources?.find((s) => s.service === stranger && s.kind === 'otlp');
    assert.match(flagged?.error ?? '', /service\.name "unknown-bot" is no manifest service/);
    const text = await t.vigil(['usage']);
    assert.match(
      text.stdout,
      /Usage sources with problems:\n(.*\n)*\s+unknown-bot \(otlp\): .*no manifest service/,
    );
  });

  it('bad input gets a clear 4xx and changes nothing', async () => {
    const before = await usage();
    const post = (body: string | Uint8Array, type: string, extra: Record<string, string> = {}) =>
      fetch(url('metrics'), { method: 'POST', body, headers: { 'content-type': type, ...extra } });
    // fetch() sets Host itself: node:http sends the one given.
    const hostPost = (host: string) =>
      new Promise<Response>((resolve, reject) => {
        const req = request(
          url('metrics'),
          { method: 'POST', headers: { host, 'content-type': 'application/json' } },
          (res) => {
            let b = '';
            res.on('data', (d: Buffer) => (b += d.toString()));
            res.on('end', () =>
              resolve(
                new Response(b, {
                  status: res.statusCode!,
                  headers: { 'content-type': res.headers['content-type']! },
                }),
              ),
            );
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
    const cases: [string, () => Promise<Response>, number, RegExp][] = [
      [
        'garbage protobuf',
        () => post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf'),
        400,
        /not a valid OTLP protobuf/,
      ],
      ['invalid JSON', () => post('{"resourceMetrics": [', 'application/json'), 400, /not valid JSON/],
      ['wrong content type', () => post('{}', 'text/plain'), 415, /unsupported Content-Type "text\/plain"/],
      [
        '100 MB body',
        () => post(new Uint8Array(100 * 1024 * 1024), 'application/x-protobuf'),
        413,
        /over the 8388608-byte limit/,
      ],
      [
        'an unknown metric',
        () =>
          post(
            JSON.stringify({
              resourceMetrics: [
                {
                  resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] },
                  scopeMetrics: [
                    {
                      metrics: [
                        {
                          name: 'process.widgets',
                          sum: {
                            aggregationTemporality: 1,
                            isMonotonic: true,
                            dataPoints: [{ asInt: '5', timeUnixNano: '1' }],
                          },
                        },
                      ],
                    },
                  ],
                },
              ],
            }),
            'application/json',
          ),
        400,
        /no usage metric in this request \(unknown: process\.widgets\)/,
      ],
      ['a foreign Host (DNS rebinding)', () => hostPost('evil.example:4318'), 403, /forbidden Host header/],
    ];
    for (const [what, call, status, message] of cases) {
      const res = await call();
      const raw = await res.text();
      // JSON requests get {code, message}; protobuf ones a google.rpc.Status (its message is UTF-8 inside).
      const body =
        res.headers.get('content-type') === 'application/json'
          ? (JSON.parse(raw) as { message: string }).message
          : raw;
      assert.equal(res.status, status, `${what}: ${res.status} ${body}`);
      assert.match(body, message, what);
    }
    const afterwards = await usage();
    assert.deepEqual(afterwards.rows, before.rows, 'nothing stored');
  });
  it('vigil apply moves it: with tokenFile the token is asked (the SDK sends it), without otlp: the listener closes', async () => {
    const tokenFile = path.join(t.home, 'otlp.token');
    const token = 'otlp-integration-token-7f3a9c';
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const services = `services:\n  ${core}:\n    command: [${SLEEPER}]\n  ${worker}:\n    command: [${SLEEPER}]\nbudget: { timezone: UTC }\n`;
    await t.json([
      'apply',
      '-f',
      t.manifest(`${services}otlp:\n  listen: "127.0.0.1:${port}"\n  tokenFile: ${tokenFile}\n`),
    ]);
    const plain = (): Promise<number> =>
      fetch(url('logs'), {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      }).then(
        (r) => r.status,
        () => -1,
      );
    // apply returns once the agent ticked with the new settings (POST /api/reload): no wait.
    assert.equal(await plain(), 401, 'the token is asked as soon as apply returns');
    const before = row(await usage(), 'gpt-4o-mini');
    const sent = await send({
      url: url('logs'),
      protocol: 'json',
      serviceName: core,
      token,
      batches: [[{ kind: 'log', model: 'gpt-4o-mini', provider: 'openai', input: 10, output: 1 }]],
    });
    assert.deepEqual(
      sent.map((r) => r.ok),
      [true],
    );
    const after1 = row(await usage(), 'gpt-4o-mini');
    assert.deepEqual([after1.tokens.input - before.tokens.input, after1.requests - before.requests], [10, 1]);
    await t.json(['apply', '-f', t.manifest(services)]);
    assert.equal(await plain(), -1, 'the listener is closed as soon as apply returns');
  });
});
