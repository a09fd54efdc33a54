/**
 * The metric rules' scrapes shown, with the real agent on real systemd: a real prometheus_client endpoint
 * (test/fixtures/services/guide_metrics.py) scraped every second, and a service whose metrics.url nobody
 * serves. `vigil status` says which scrape is ok and which fails (and why); `vigil doctor` warns naming
 * the failing one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import {
  FIXTURES,
  makeHome,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { freePort } from '../helpers/free-port.js';

const PYTHON = '/usr/bin/python3';
const SERVER = path.join(FIXTURES, 'services', 'guide_metrics.py');

describe('metrics scrape in vigil status and vigil doctor (real systemd, real agent)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  const p = uniquePrefix();
  const good = `${p}-good`;
  const bad = `${p}-bad`;
  let badPort: number;

  before(async () => {
    t = await makeHome();
    const port = await freePort();
    badPort = await freePort();
    const control = path.join(t.home, 'control.json');
    writeFileSync(control, '{}');
    const r = await t.vigil(
      [
        'apply',
        '-f',
        t.manifest(`services:
  ${good}:
    command: [${PYTHON}, ${SERVER}, "${port}", ${control}]
    metrics: { url: "http://127.0.0.1:${port}/metrics", intervalSec: 1 }
  ${bad}:
    command: [/bin/sleep, "1000"]
    metrics: { url: "http://127.0.0.1:${badPort}/metrics", intervalSec: 1 }
`),
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    agent = await startAgent(t);
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  it('status: the good scrape ok, the bad one failed with its URL and error; doctor warns naming the bad one', async () => {
    const doc = await waitFor(
      'both scraped, the good one ok',
      async () => {
        const d = await t.json<StatusDoc>(['status']);
        const g = d.services.find((s) => s.name === good)?.metricsScrape;
        const b = d.services.find((s) => s.name === bad)?.metricsScrape;
        return g?.ok && b ? d : undefined;
      },
      30_000,
      250,
    );
    const b = doc.services.find((s) => s.name === bad)!.metricsScrape!;
    assert.equal(b.ok, false);
    assert.match(b.error ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${badPort}/metrics: `));
    const table = await t.vigil(['status']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^ {2}${good}: ok \\d+s ago$`, 'm'));
    assert.match(
      table.stdout,
      new RegExp(
        `^ {2}${bad}: FAILED \\d+s ago \\(http://127\\.0\\.0\\.1:${badPort}/metrics: .+\\): its metric alert rules see no data$`,
        'm',
      ),
    );
    const doctor = await t.vigil(['doctor', '--json']);
    const check = (
      JSON.parse(doctor.stdout) as { checks: { name: string; level: string; message: string }[] }
    ).checks.find((c) => c.name === 'metrics scrape');
    assert.ok(check, doctor.stdout);
    assert.equal(check.level, 'warn');
    assert.match(
      check.message,
      new RegExp(`^failing for ${bad} \\(http://127\\.0\\.0\\.1:${badPort}/metrics: `),
    );
    assert.doesNotMatch(check.message, new RegExp(good));
  });
});
