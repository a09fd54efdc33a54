/**
 * The dashboard with a replicated service, in a real browser against a real agent on real systemd: the
 * service's own row ("3/3 running") with its three instances under it, and "2/3 running" (degraded, not
 * down) once one is stopped.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumPresentTest, openBrowser, requireChromium, screenshot, type Browser } from './browser.js';
import { login, SLEEPER, startStack, type Stack } from './stack.js';
import { waitFor } from '../helpers/vigil.js';

chromiumPresentTest();

describe('dashboard: replicas', () => {
  let stack: Stack & { names: Record<string, string> };
  let b: Browser;
  let w: string;

  before(async () => {
    requireChromium();
    stack = await startStack({ w: `replicas: 3\ncommand: [${SLEEPER}]`, solo: `command: [${SLEEPER}]` });
    w = stack.names.w!;
    b = await openBrowser();
    await login(b.page, stack);
  });
  after(async () => {
    await b?.close();
    await stack?.close();
  });

  const groupRow = () => b.page.locator(`tr[data-group="${w}"]`);

  it('shows the service as one row with its instances under it', async () => {
    await waitFor(
      '3/3 running',
      async () => (await groupRow().getByTestId('replicas-running').textContent()) === '3/3 running',
      20_000,
      100,
    );
    const rows = await b.page
      .locator('table.services tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => tr.getAttribute('data-group') ?? tr.getAttribute('data-service')),
      );
    // In the agent's order (by name): the service's row where its first instance is.
    assert.deepEqual(rows, [stack.names.solo, w, `${w}@1`, `${w}@2`, `${w}@3`]);
    assert.equal(await b.page.locator('tr.replica-row').count(), 3);
    await screenshot(b.page, 'replicas-overview');
  });

  it('one replica stopped: 2/3 running, the service degraded, not down', async () => {
    const r = await stack.t.vigil(['stop', `${w}@3`]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(
      '2/3 running',
      async () => (await groupRow().getByTestId('replicas-running').textContent()) === '2/3 running',
      20_000,
      100,
    );
    assert.match((await groupRow().textContent()) ?? '', /degraded/i);
    await screenshot(b.page, 'replicas-one-stopped');
  });
});
