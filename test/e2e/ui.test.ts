/**
 * The web UI in a real browser (Debian's Chromium via playwright-core) against a real agent and real
 * systemd units: sign-in, restart/stop/start, following a log, credential rotation with success and
 * rollback, spend moving as usage is written, refusal without the session. Screenshots of every view go
 * to test-results/screenshots/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { openBrowser, chromiumPresentTest, requireChromium, screenshot, type Browser } from './browser.js';
import { CHATTY, KEYED, SLEEPER, USAGE_WRITER, freePort, login, startStack, type Stack } from './stack.js';
import { waitFor } from '../helpers/vigil.js';

chromiumPresentTest();

describe('web UI (real agent, real systemd, Chromium)', { timeout: 600_000 }, () => {
  let stack: Stack & { names: Record<string, string> };
  let b: Browser;
  let trigger: string;
  let apiPort: number;

  before(async () => {
    requireChromium();
    apiPort = await freePort();
    trigger = `/tmp/vigil-e2e-usage-${process.pid}`;
    stack = await startStack(
      {
        web: `command: [${SLEEPER}]\nrestart: { policy: always, delaySec: 0.2 }`,
        chatty: `command: [${CHATTY}]`,
        api: `command: [${KEYED}, "${apiPort}"]\ncredentials: [e2ekeys]\nhealth: { url: "http://127.0.0.1:${apiPort}/health", intervalSec: 1, timeoutSec: 1 }`,
        llm: `command: [${USAGE_WRITER}]\nenv: { TRIGGER: "${trigger}" }\nusage: { log: true, intervalSec: 1 }`,
      },
      {
        top: 'pricing:\n  test-model: { input: 1000, output: 1000 }\nbudget:\n  dailyUsd: 20\n  timezone: UTC\ncredentials:\n  e2ekeys: { rotateAfterDays: 30 }\n',
        before: async (t) => {
          const r = await t.vigil(['secrets', 'set', 'e2ekeys', 'API_KEY'], {
            input: 'good-e2e-initial-value\n',
          });
          assert.equal(r.code, 0, r.stderr);
        },
      },
    );
    b = await openBrowser();
  });

  after(async () => {
    await b?.close();
    await stack?.close();
  });

  const row = (short: string) => b.page.locator(`tr[data-service="${stack.names[short]}"]`);
  const pidOf = async (short: string) =>
    Number(/pid (\d+)/.exec((await row(short).getByTestId('pid').textContent()) ?? '')?.[1] ?? NaN);
  const restartsOf = async (short: string) => Number(await row(short).getByTestId('restarts').textContent());

  it('refuses the API without a session, and shows how to sign in', async () => {
    const anon = await openBrowser();
    try {
      await anon.page.goto(stack.url);
      await anon.page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
      assert.match((await anon.page.locator('.cmd').textContent()) ?? '', /vigil open/);
      const status = await anon.page.evaluate<number>(`fetch('/api/status').then((r) => r.status)`);
      assert.equal(status, 401);
      await screenshot(anon.page, '01-sign-in');
      const bad = await anon.page.goto(`${stack.url}/login?code=not-a-real-code`);
      assert.equal(bad?.status(), 401);
    } finally {
      await anon.close();
    }
  });

  it('signs in through the one-time login URL: no cookie, the key out of the URL and out of storage', async () => {
    await login(b.page, stack);
    assert.deepEqual(await b.context.cookies(stack.url), [], 'no session cookie');
    assert.doesNotMatch(b.page.url(), /key=/, 'the session key does not stay in the address bar');
    const stored = await b.page.evaluate<string>(
      'JSON.stringify([{ ...localStorage }, { ...sessionStorage }])',
    );
    assert.equal(stored, '[{},{}]', 'nothing of the session in the origin storage');
    await row('web').waitFor();
    await waitFor(
      'all four services running',
      async () => (await b.page.locator('tr[data-service] .badge', { hasText: 'Running' }).count()) === 4,
      30_000,
    );
  });

  it('another tab of the same browser has no session (the key lives in the signed-in page only)', async () => {
    const tab = await b.context.newPage();
    try {
      await tab.goto(stack.url);
      await tab.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
      assert.equal(await tab.evaluate<number>(`fetch('/api/status').then((r) => r.status)`), 401);
    } finally {
      await tab.close();
    }
  });

  it('restarts a service from the Overview: the PID changes; a crash then raises the restart count, live', async () => {
    const pid = await pidOf('web');
    const restarts = await restartsOf('web');
    assert.ok(pid > 0);
    await screenshot(b.page, '02-overview');
    await row('web')
      .getByRole('button', { name: `Restart ${stack.names.web}` })
      .click();
    await waitFor(
      'a new PID in the Overview',
      async () => {
        const p = await pidOf('web');
        return p > 0 && p !== pid ? p : undefined;
      },
      30_000,
    );
    assert.equal(
      await restartsOf('web'),
      restarts,
      'a restart you asked for is not counted as a crash restart',
    );
    // The count is the service manager's automatic restarts: kill the process and watch it move, live.
    const newPid = await pidOf('web');
    process.kill(newPid, 'SIGKILL');
    await waitFor(
      'restart count up and another PID',
      async () => (await restartsOf('web')) === restarts + 1 && (await pidOf('web')) !== newPid,
      30_000,
    );
  });

  it('stops (with confirmation) and starts a service from its detail view', async () => {
    await row('web').getByRole('link', { name: stack.names.web }).click();
    await b.page.getByRole('heading', { name: stack.names.web, level: 1 }).waitFor();
    const detailPid = b.page.getByTestId('detail-pid');
    await b.page.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = b.page.getByRole('dialog');
    await dialog.waitFor();
    await screenshot(b.page, '04-stop-confirmation');
    await dialog.getByRole('button', { name: `Stop ${stack.names.web}` }).click();
    await b.page.locator('.detail-head .badge', { hasText: 'Stopped' }).waitFor({ timeout: 30_000 });
    assert.equal((await detailPid.textContent())?.trim(), '—');
    await b.page.getByRole('button', { name: 'Start', exact: true }).click();
    await b.page.locator('.detail-head .badge', { hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await waitFor('a PID', async () => /^\d+$/.test((await detailPid.textContent())?.trim() ?? ''), 30_000);
    await screenshot(b.page, '03-service-detail');
  });

  it('follows a log as the service writes; search highlights, level filter', async () => {
    await b.page.goto(`${stack.url}/#/service/${stack.names.chatty}`);
    const scroller = b.page.getByTestId('log-scroller');
    await scroller.locator('.log-row', { hasText: 'INFO tick' }).first().waitFor({ timeout: 30_000 });
    const lastTick = async () => {
      const texts = await scroller.locator('.log-row .log-text').allTextContents();
      return Math.max(...texts.map((t) => Number(/tick (\d+)/.exec(t)?.[1] ?? 0)));
    };
    const first = await lastTick();
    await waitFor('new lines while following', async () => (await lastTick()) >= first + 4, 20_000);
    await b.page.getByRole('searchbox', { name: 'Search the log' }).fill('upstream timeout');
    await scroller.locator('mark', { hasText: 'upstream timeout' }).first().waitFor();
    assert.match((await b.page.locator('#log-count').textContent()) ?? '', /of .* lines/);
    await b.page.getByRole('searchbox', { name: 'Search the log' }).fill('');
    await b.page.getByLabel('Level').selectOption({ label: 'error+' });
    await waitFor('only errors', async () => {
      const rows = await scroller.locator('.log-row .log-text').allTextContents();
      return rows.length > 0 && rows.every((t) => t.startsWith('ERROR'));
    });
    await screenshot(b.page, '05-log-viewer');
    await b.page.getByLabel('Level').selectOption({ label: 'All' });
  });

  it('rotates a credential: a good value succeeds, a bad one is rolled back', async () => {
    await b.page.goto(`${stack.url}/#/credentials`);
    await b.page.getByRole('heading', { name: 'e2ekeys' }).waitFor();
    await screenshot(b.page, '06-credentials');
    const rotate = async (value: string) => {
      await b.page.getByRole('button', { name: 'Rotate API_KEY' }).click();
      await b.page.getByLabel('New value').fill(value);
      await b.page.getByLabel('Health wait (s)').fill('15');
      await b.page.getByRole('button', { name: 'Rotate…' }).click();
      await b.page.getByRole('dialog').getByRole('button', { name: 'Rotate now' }).click();
    };
    const panel = b.page.getByTestId('rotation');
    await rotate('good-e2e-rotated-value');
    await panel.getByRole('heading', { name: /done/ }).waitFor({ timeout: 90_000 });
    assert.match((await panel.textContent()) ?? '', /is healthy/);
    assert.match((await panel.textContent()) ?? '', /Rotation complete/);
    await screenshot(b.page, '07-rotation-succeeded');
    await panel.getByRole('button', { name: 'Close' }).click();
    await rotate('bad-e2e-value');
    await panel.getByRole('heading', { name: /rolled back/ }).waitFor({ timeout: 120_000 });
    const text = (await panel.textContent()) ?? '';
    assert.match(text, /is not healthy/);
    assert.match(text, /healthy again on the previous value/);
    await screenshot(b.page, '08-rotation-rolled-back');
    assert.equal(
      (await fetch(`http://127.0.0.1:${apiPort}/health`)).status,
      200,
      'the service is healthy on the old key',
    );
    assert.doesNotMatch(
      await b.page.content(),
      /bad-e2e-value|good-e2e-rotated-value/,
      'no value on the page',
    );
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it("shows today's spend move when usage is written", async () => {
    await b.page.goto(`${stack.url}/#/`);
    const spend = b.page.getByTestId('today-spend');
    await spend.waitFor();
    const before = (await spend.textContent()) ?? '';
    writeFileSync(trigger, '2000'); // 2000 tokens at $1000 per million: $2.00
    await waitFor('spend to move', async () => ((await spend.textContent()) ?? '') !== before, 30_000);
    assert.match((await row('llm').getByTestId('service-spend').textContent()) ?? '', /\$2\.00/);
    await b.page.goto(`${stack.url}/#/usage`);
    await b.page.getByTestId('usage-today').waitFor();
    assert.match((await b.page.getByTestId('usage-today').textContent()) ?? '', /\$2\.00/);
    await screenshot(b.page, '09-usage');
  });

  it('shows alerts and settings, in light and dark', async () => {
    await b.page.goto(`${stack.url}/#/alerts`);
    await b.page.getByRole('heading', { name: 'Firing now' }).waitFor();
    await screenshot(b.page, '10-alerts');
    await b.page.goto(`${stack.url}/#/settings`);
    await b.page.getByRole('heading', { name: 'Budget' }).waitFor();
    await screenshot(b.page, '11-settings');
    await b.page.emulateMedia({ colorScheme: 'dark' });
    await b.page.goto(`${stack.url}/#/`);
    await row('web').waitFor();
    await screenshot(b.page, '12-overview-dark');
    await b.page.goto(`${stack.url}/#/service/${stack.names.chatty}`);
    await b.page.getByTestId('log-scroller').locator('.log-row').first().waitFor();
    await screenshot(b.page, '13-detail-dark');
    await b.page.emulateMedia({ colorScheme: 'light' });
  });

  it('the page never broke its CSP (no inline script or style, nothing from elsewhere)', async () => {
    assert.deepEqual(await b.cspViolations(), []);
  });
});
