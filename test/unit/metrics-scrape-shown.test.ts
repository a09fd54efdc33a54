/** The metric rules' scrapes shown: per service in the agent's status (and `vigil status`), and a `vigil doctor` check. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricAlerts } from '../../agent/app/metric-alerts.js';
import { scrapeLines } from '../../agent/cli/commands/status.js';
import { metricsScrapeCheck } from '../../agent/cli/commands/doctor-metrics.js';
import type { ServiceRecord } from '../../agent/ports/store.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import { parse, yaml } from '../helpers/manifest.js';
import { statusDocument } from '../../agent/core/status-parts.js';

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);

const records: ServiceRecord[] = parse(
  yaml(
    'services:',
    '  api:',
    '    command: [x]',
    '    metrics: { url: "http://127.0.0.1:9101/metrics" }',
    '  worker:',
    '    command: [x]',
    '    metrics: { url: "http://127.0.0.1:9102/metrics" }',
    '  plain:',
    '    command: [x]',
  ),
).manifest.services.map((spec) => ({
  name: spec.name,
  unit: `vigil-${spec.name}.service`,
  spec,
  hash: 'h',
  installedAt: 0,
  updatedAt: 0,
}));

const status = (name: string): ServiceStatus => ({
  name,
  unit: `vigil-${name}.service`,
  state: 'running',
  pid: 1,
  restarts: 0,
  since: null,
  lastExit: null,
  health: 'unknown',
  drifted: false,
  memoryBytes: null,
  cpuNsec: null,
});

async function scraped(): Promise<StatusDoc> {
  const m = new MetricAlerts({
    fetcher: {
      fetch: async (url) => {
        if (url.includes('9102')) throw new Error('connect ECONNREFUSED 127.0.0.1:9102');
        return 'agent_requests_total{status="ok"} 5\n';
      },
    },
  });
  m.tick(records, { state: () => 'running', memoryBytes: () => null, hourlyUsd: null }, T0);
  await m.settle();
  return statusDocument({ services: records.map((r) => status(r.name)) }, { scrapes: m.part() });
}

describe('metric rules scrapes in the status', () => {
  it('each scraped service carries its last scrape: ok or failed (with the URL and error), and when', async () => {
    const doc = await scraped();
    const by = new Map(doc.services.map((s) => [s.name, s.metricsScrape]));
    assert.deepEqual(by.get('api'), { ok: true, at: new Date(T0).toISOString(), error: null });
    assert.deepEqual(by.get('worker'), {
      ok: false,
      at: new Date(T0).toISOString(),
      error: 'http://127.0.0.1:9102/metrics: connect ECONNREFUSED 127.0.0.1:9102',
    });
    assert.equal(by.get('plain'), undefined, 'no metrics.url: nothing scraped, nothing shown');
  });

  it('vigil status prints one line per scraped service under the table', async () => {
    const text = scrapeLines((await scraped()).services, T0 + 12_000);
    assert.match(text, /Metrics scrapes/);
    assert.match(text, /^ {2}api: ok 12s ago$/m);
    assert.match(
      text,
      /^ {2}worker: FAILED 12s ago \(http:\/\/127\.0\.0\.1:9102\/metrics: connect ECONNREFUSED[^)]*\): its metric alert rules see no data$/m,
    );
    assert.doesNotMatch(text, /plain/);
    assert.equal(scrapeLines([status('plain')], T0), '', 'nothing when nothing is scraped');
  });
});

describe('vigil doctor: metrics scrape', () => {
  it('warns naming each service whose scrape fails, with the error; ok otherwise', async () => {
    const c = metricsScrapeCheck((await scraped()).services);
    assert.equal(c.level, 'warn');
    assert.match(
      c.message,
      /^failing for worker \(http:\/\/127\.0\.0\.1:9102\/metrics: connect ECONNREFUSED 127\.0\.0\.1:9102, at 2026-12-02T03:00:00\.000Z\)/,
    );
    assert.doesNotMatch(c.message, /api/);
    assert.ok(c.fix);
    const ok = metricsScrapeCheck((await scraped()).services.filter((s) => s.name !== 'worker'));
    assert.deepEqual([ok.level, ok.message], ['ok', 'scraped: api']);
    assert.equal(metricsScrapeCheck([status('plain')]).level, 'ok');
  });
});
