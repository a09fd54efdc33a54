import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricAlerts, type MetricTickContext } from '../../agent/app/metric-alerts.js';
import type { ServiceRecord } from '../../agent/ports/store.js';
import type { MetricsFetcher } from '../../agent/ports/usage-sources.js';
import { parse, yaml } from '../helpers/manifest.js';

/** A fetcher answering from a script: the text per URL, or an error; counts the calls; can hold answers back. */
class ScriptFetcher implements MetricsFetcher {
  calls: string[] = [];
  text = new Map<string, string | Error>();
  private held: (() => void)[] = [];
  hold = false;
  fetch(url: string): Promise<string> {
    this.calls.push(url);
    const answer = () => {
      const t = this.text.get(url);
      return t instanceof Error ? Promise.reject(t) : Promise.resolve(t ?? '');
    };
    if (!this.hold) return answer();
    return new Promise((resolve, reject) => this.held.push(() => void answer().then(resolve, reject)));
  }
  release(): void {
    for (const f of this.held.splice(0)) f();
  }
}

const records = (text: string): ServiceRecord[] =>
  parse(text).manifest.services.map((spec) => ({
    name: spec.name,
    unit: `vigil-${spec.name}.service`,
    spec,
    hash: 'h',
    installedAt: 0,
    updatedAt: 0,
  }));

const MANIFEST = yaml(
  'services:',
  '  core:',
  '    command: [x]',
  '    metrics: { url: "http://127.0.0.1:9/metrics", intervalSec: 5 }',
  '    alerts: { errorRate: { windowSec: 60, forSec: 10 } }',
  '  big:',
  '    command: [x]',
  '    limits: { memory: 100M }',
  '    alerts: { memory: { forSec: 0 } }',
);

const requests = (ok: number, err: number) =>
  `# TYPE agent_requests_total counter\nagent_requests_total{status="ok"} ${ok}\nagent_requests_total{status="error"} ${err}\n`;

function ctx(over: Partial<MetricTickContext> = {}): MetricTickContext {
  return { state: () => 'running', memoryBytes: () => null, hourlyUsd: null, ...over };
}

describe('MetricAlerts (the agent side of the metric rules)', () => {
  it('scrapes every intervalSec while running, and the error rate fires after forSec', async () => {
    const f = new ScriptFetcher();
    const m = new MetricAlerts({ fetcher: f });
    const svcs = records(MANIFEST);
    const url = 'http://127.0.0.1:9/metrics';
    let ok = 0;
    let err = 0;
    const at = async (now: number) => {
      f.text.set(url, requests(ok, err));
      const c = m.tick(svcs, ctx(), now);
      await m.settle();
      return c;
    };
    assert.deepEqual(await at(0), []);
    await at(1000);
    await at(4000);
    assert.equal(f.calls.length, 1, 'not again before intervalSec');
    ok += 90;
    err += 10;
    assert.deepEqual(await at(5000), [], 'the scrape of this tick is read at the next');
    assert.equal(f.calls.length, 2);
    assert.deepEqual(await at(6000), [], 'pending: 10 % > 5 % but not yet for 10 s');
    ok += 90;
    err += 10;
    await at(10_000);
    const [c] = await at(16_000);
    assert.equal(c?.key, 'error-rate:core');
    assert.match(c!.message, /^core: error rate 10 % over 1 min \(20 of 200 requests; threshold 5 %\)$/);
    ok += 10_000;
    await at(21_000);
    assert.deepEqual(await at(22_000), [], '20 errors in 10 200 requests: resolved');
  });

  it('does not scrape a service that is not running, and one scrape at a time', async () => {
    const f = new ScriptFetcher();
    const m = new MetricAlerts({ fetcher: f });
    const svcs = records(MANIFEST);
    m.tick(svcs, ctx({ state: () => 'stopped' }), 0);
    assert.equal(f.calls.length, 0);
    f.hold = true;
    m.tick(svcs, ctx(), 1000);
    m.tick(svcs, ctx(), 7000);
    assert.equal(f.calls.length, 1, 'the first is still in flight');
    f.release();
    await m.settle();
    m.tick(svcs, ctx(), 8000);
    assert.equal(f.calls.length, 2);
    f.release();
    await m.settle();
  });

  it('a failing scrape is no data: a firing condition is held for three intervals, then dropped', async () => {
    const f = new ScriptFetcher();
    const m = new MetricAlerts({ fetcher: f });
    const svcs = records(
      yaml(
        'services:',
        '  core:',
        '    command: [x]',
        '    metrics: { url: "http://127.0.0.1:9/metrics", intervalSec: 5 }',
      ),
    );
    const url = 'http://127.0.0.1:9/metrics';
    f.text.set(url, 'agent_circuit_breaker_open{breaker="llm"} 1\n');
    m.tick(svcs, ctx(), 0);
    await m.settle();
    assert.equal(m.tick(svcs, ctx(), 1000)[0]?.key, 'circuit-breaker:core');
    f.text.set(url, new Error('connection refused'));
    m.tick(svcs, ctx(), 5000);
    await m.settle();
    assert.equal(m.scrapeState('core')?.ok, false);
    assert.match(m.scrapeState('core')!.error!, /connection refused/);
    assert.equal(m.tick(svcs, ctx(), 6000).length, 1, 'the last good scrape is fresh for three intervals');
    await m.settle();
    assert.equal(m.tick(svcs, ctx(), 16_000).length, 1, 'stale (no data): the firing condition is held…');
    await m.settle();
    assert.deepEqual(
      m.tick(svcs, ctx(), 22_000),
      [],
      '…for three intervals after it was last seen, then dropped',
    );
    await m.settle();
    assert.deepEqual(m.tick([], ctx(), 23_000), [], 'a service no longer there has no conditions');
  });

  it('the memory rule needs no metrics.url: resource samples against limits.memory', () => {
    const m = new MetricAlerts({ fetcher: new ScriptFetcher() });
    const svcs = records(MANIFEST).filter((s) => s.name === 'big');
    const [c] = m.tick(svcs, ctx({ memoryBytes: () => 90 * 1048576 }), 0);
    assert.equal(c?.key, 'memory-high:big');
    assert.match(c!.message, /big: memory 90 MB, 90 % of its 100 MB limit \(threshold 80 %\)/);
    assert.deepEqual(m.tick(svcs, ctx({ memoryBytes: () => 50 * 1048576 }), 1000), []);
  });

  it("reads the usage feature's scrapes of the same URL instead of fetching it again", async () => {
    const f = new ScriptFetcher();
    const m = new MetricAlerts({ fetcher: f });
    const [core] = records(MANIFEST);
    const url = 'http://127.0.0.1:9/metrics';
    const samples = (ok: number, err: number) => [
      { name: 'agent_requests_total', labels: { status: 'ok' }, value: ok },
      { name: 'agent_requests_total', labels: { status: 'error' }, value: err },
    ];
    m.feed(core!, url, samples(0, 0), 0);
    m.feed(core!, 'http://elsewhere/metrics', samples(0, 1000), 500);
    m.tick([core!], ctx(), 1000);
    assert.equal(f.calls.length, 0, 'fed at 0: the own scrape waits until 5 s');
    m.feed(core!, url, samples(50, 50), 4000);
    m.tick([core!], ctx(), 4500);
    const [c] = m.tick([core!], ctx(), 14_500);
    assert.equal(f.calls.length, 1, 'not fed for an interval: it scrapes itself');
    assert.match(
      c!.message,
      /error rate 50 % over 1 min \(50 of 100 requests/,
      'the fed scrapes count; another URL does not',
    );
    await m.settle();
  });
});
