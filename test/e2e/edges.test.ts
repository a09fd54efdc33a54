/**
 * Rough edges of the dashboard, in Chromium against a real agent and real systemd units: the Overview at
 * 1280 px keeps every Restart button in view; a crash's "Last log lines" opens at the end; a service
 * with no process shows no memory; a model with no known price says "unpriced"; the Usage page raises
 * today's cap and pauses enforcement, and the cap is then the same in the header, the Usage page,
 * `vigil budget` and /metrics; the host strip shows this machine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumPresentTest, openBrowser, requireChromium, screenshot, type Browser } from './browser.js';
import { SLEEPER, USAGE_WRITER, login, startStack, type Stack } from './stack.js';
import { BIN, run, waitFor } from '../helpers/vigil.js';
import type { BudgetStatusDoc } from '../../agent/core/usage/report.js';
import type { HostDoc } from '../../agent/core/host.js';

chromiumPresentTest();

/** A crash with a long log: 40 lines of start-up, then the cause, last. */
const CRASH_SCRIPT = [
  'i=0',
  'while [ $i -lt 40 ]; do',
  '  echo "boot step $i"',
  '  i=$((i+1))',
  'done',
  "echo 'FATAL: upstream refused the API key' >&2",
  'exit 3',
  '',
].join('\n');

describe('dashboard rough edges (real agent, real systemd, Chromium)', { timeout: 600_000 }, () => {
  let stack: Stack & { names: Record<string, string> };
  let b: Browser;
  let trigger: string;
  let token: string;

  before(async () => {
    requireChromium();
    trigger = `/tmp/vigil-e2e-unpriced-${process.pid}`;
    stack = await startStack(
      {
        'model-proxy-litellm': `command: [${SLEEPER}]`,
        'upstream-monitor': `command: [${SLEEPER}]`,
        'nightly-crash': `command: ${JSON.stringify(['/bin/sh', '-c', CRASH_SCRIPT])}\nrestart: { policy: "no" }`,
        'research-agent': `command: [${USAGE_WRITER}]\nenv: { TRIGGER: "${trigger}", MODEL: "mystery-model-x9" }\nusage: { log: true, intervalSec: 1 }`,
      },
      {
        top: 'pricing:\n  test-model: { input: 1000, output: 1000 }\nbudget:\n  dailyUsd: 20\n  timezone: UTC\n  onExceed: stop\n',
      },
    );
    token = readFileSync(path.join(stack.t.env.VIGIL_HOME!, 'agent.token'), 'utf8').trim();
    b = await openBrowser({ viewport: { width: 1280, height: 860 } });
    await login(b.page, stack);
  });

  after(async () => {
    await b?.close();
    await stack?.close();
  });

  const row = (short: string) => b.page.locator(`tr[data-service="${stack.names[short]}"]`);

  it('at 1280 px the Overview fits: every Restart button is inside the viewport, nothing scrolls sideways', async () => {
    await waitFor(
      'three services running',
      async () => (await b.page.locator('tr[data-service] .badge', { hasText: 'Running' }).count()) === 3,
      30_000,
    );
    const buttons = b.page.getByRole('button', { name: /^Restart / });
    assert.equal(await buttons.count(), 4);
    const width = b.page.viewportSize()!.width;
    for (let i = 0; i < 4; i++) {
      await buttons
        .nth(i)
        .scrollIntoViewIfNeeded()
        .catch(() => undefined);
      const box = (await buttons.nth(i).boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= width, `button ${i} at ${box.x}+${box.width} of ${width}`);
    }
    const overflow = await b.page.evaluate<{ scroll: number; client: number; page: number }>(
      `(() => { const s = document.querySelector('.table-scroll'); return { scroll: s.scrollWidth, client: s.clientWidth, page: document.documentElement.scrollWidth }; })()`,
    );
    assert.ok(overflow.scroll <= overflow.client, `table ${overflow.scroll} > ${overflow.client}`);
    assert.ok(overflow.page <= width, `page ${overflow.page} > ${width}`);
    await screenshot(b.page, 'edges-01-overview-1280');
  });

  it('the host strip shows this machine: CPU, memory, load, free disk where VIGIL_HOME lives, uptime', async () => {
    const strip = b.page.getByTestId('host-strip');
    await strip.waitFor();
    const res = await fetch(`${stack.url}/api/host`, { headers: { authorization: `Bearer ${token}` } });
    const host = (await res.json()) as HostDoc;
    assert.equal(host.cpu.cores, os.cpus().length);
    assert.equal(host.memory.totalBytes, os.totalmem());
    assert.ok(host.disk && host.disk.path === stack.t.env.VIGIL_HOME, JSON.stringify(host.disk));
    for (const id of ['cpu', 'memory', 'load', 'disk', 'uptime'])
      assert.notEqual((await strip.getByTestId(`host-${id}`).textContent())?.trim() ?? '', '', id);
    assert.match((await strip.getByTestId('host-cpu').textContent()) ?? '', /CPU\s*\d+(\.\d)?%/);
    assert.match((await strip.getByTestId('host-disk').textContent()) ?? '', /Disk free\s*[\d.]+ (GB|TB|MB)/);
    assert.equal(await strip.getByTestId('host-power').count(), 0, 'no power source off macOS');
    // vigil status: the same strip as its first line, through the agent and without one.
    const hostRe = new RegExp(
      `^Host ${os.hostname()}: CPU \\d+% of ${os.cpus().length} cores · memory \\S+ of \\S+ \\([\\d.]+ %\\) · load [\\d.]+ [\\d.]+ [\\d.]+ · disk \\S+ free of \\S+ \\(${stack.t.env.VIGIL_HOME}\\) · up \\S+`,
    );
    const via = await stack.t.vigil(['status']);
    assert.match(via.stdout.split('\n')[0]!, hostRe, via.stdout);
    const direct = await run(process.execPath, [BIN, 'status'], { ...stack.t.env, VIGIL_NO_AGENT: '1' }, {});
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stdout.split('\n')[0]!, hostRe, direct.stdout);
    const json = await stack.t.json<{ host?: HostDoc }>(['status', '--host']);
    assert.equal(json.host?.cpu.cores, os.cpus().length);
    assert.equal(
      (await stack.t.json<{ host?: HostDoc }>(['status'])).host,
      undefined,
      'JSON: only when asked',
    );
  });

  it('a service with no process shows no memory ("—"), in the Overview and its detail', async () => {
    const r = await stack.t.vigil(['stop', stack.names['upstream-monitor']!]);
    assert.equal(r.code, 0, r.stderr);
    await row('upstream-monitor').locator('.badge', { hasText: 'Stopped' }).waitFor({ timeout: 30_000 });
    await waitFor(
      'memory cleared',
      async () => (await row('upstream-monitor').getByTestId('memory').textContent())?.trim() === '—',
      15_000,
    );
    assert.notEqual((await row('model-proxy-litellm').getByTestId('memory').textContent())?.trim(), '—');
    assert.equal((await row('nightly-crash').getByTestId('memory').textContent())?.trim(), '—');
    await b.page.goto(`${stack.url}/#/service/${stack.names['upstream-monitor']}`);
    await waitFor(
      'detail memory',
      async () => (await b.page.getByTestId('detail-memory').textContent())?.trim() === '—',
      15_000,
    );
  });

  it('"Last log lines" of a crash opens scrolled to the end, with the cause in view', async () => {
    await b.page.goto(`${stack.url}/#/service/${stack.names['nightly-crash']}`);
    const tail = b.page.getByTestId('why-it-died').getByTestId('log-tail');
    await tail.waitFor({ timeout: 30_000 });
    await waitFor(
      'the cause in the tail',
      async () => /FATAL: upstream refused/.test((await tail.textContent()) ?? ''),
      15_000,
    );
    const m = await tail.evaluate((el) => ({
      top: el.scrollTop,
      height: el.clientHeight,
      full: el.scrollHeight,
    }));
    assert.ok(m.full > m.height, `the tail overflows (${m.full} > ${m.height}), or the test proves nothing`);
    assert.ok(m.top + m.height >= m.full - 1, `scrolled to the end: ${JSON.stringify(m)}`);
    await screenshot(b.page, 'edges-02-crash-tail-at-end');
    // vigil events (text) says why it died, and ends with the cause from its log.
    const events = await stack.t.vigil(['events', '--service', stack.names['nightly-crash']!]);
    assert.match(
      events.stdout,
      /crashed .* exited with code 3\n +why: exited with code 3 \(code 3, result exit-code\)\n +last log lines:\n/,
    );
    assert.match(events.stdout, /\n +\| FATAL: upstream refused the API key\n/);
  });

  it('a model with no known price says "unpriced", never $0.00', async () => {
    writeFileSync(trigger, '5000');
    await b.page.goto(`${stack.url}/#/`);
    const spend = row('research-agent').getByTestId('service-spend');
    await waitFor(
      'unpriced in the Overview',
      async () => (await spend.textContent())?.trim() === 'unpriced',
      30_000,
    );
    await b.page.goto(`${stack.url}/#/usage`);
    const modelRow = b.page.locator('tr', { hasText: 'mystery-model-x9' });
    await modelRow.waitFor();
    assert.match((await modelRow.textContent()) ?? '', /unpriced/);
    assert.doesNotMatch((await modelRow.textContent()) ?? '', /\$0\.00/);
    const total = b.page.locator('tfoot tr');
    assert.match((await total.textContent()) ?? '', /unpriced/);
    const cli = await stack.t.vigil(['usage', '--by', 'model']);
    assert.match(cli.stdout, /^mystery-model-x9 .* unpriced /m, cli.stdout);
  });

  it('the Usage page raises the cap and pauses enforcement; the cap is then the same everywhere', async () => {
    await b.page.goto(`${stack.url}/#/usage`);
    const form = b.page.getByRole('form', { name: 'Budget controls' });
    await form.waitFor();
    await form.getByLabel("Raise today's cap by (USD)").fill('5');
    await form.getByRole('button', { name: 'Raise +$5' }).click();
    const usageCap = b.page.getByTestId('usage-cap');
    await waitFor(
      'Usage page cap',
      async () => /of \$25\.00 daily budget/.test((await usageCap.textContent()) ?? ''),
      15_000,
    );
    const headerCap = b.page.getByTestId('header-cap');
    await waitFor(
      'header cap',
      async () => /of \$25\.00 today/.test((await headerCap.textContent()) ?? ''),
      15_000,
    );
    const cli = await stack.t.json<BudgetStatusDoc>(['budget', 'status']);
    assert.equal(cli.dailyUsd, 25);
    assert.equal(cli.scopes.find((s) => s.scope === 'daily')!.capUsd, 25);
    const text = (await stack.t.vigil(['budget', 'status'])).stdout;
    assert.match(text, /today \S+: \S+ of \$25\.00 /);
    assert.match(text, /^Daily budget\s+\S+\s+\S+\s+\$25\.00\s/m);
    const metrics = await (
      await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    assert.match(metrics, /^vigil_budget_daily_usd 25$/m);

    await form.getByRole('button', { name: 'Pause enforcement for today' }).click();
    await form.getByText('Enforcement paused until midnight').waitFor({ timeout: 15_000 });
    await waitFor(
      'lifted in the header',
      async () => /\(lifted\)/.test((await headerCap.textContent()) ?? ''),
      15_000,
    );
    assert.match((await usageCap.textContent()) ?? '', /of \$25\.00 daily budget \(lifted\)/);
    assert.match((await stack.t.vigil(['budget', 'status'])).stdout, /of \$25\.00 \(lifted\)/);
    await screenshot(b.page, 'edges-03-usage-controls');
  });

  it('the page never broke its CSP', async () => {
    assert.deepEqual(await b.cspViolations(), []);
  });
});
