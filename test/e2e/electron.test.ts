/**
 * The desktop app itself, through Playwright's Electron driver: it connects to a real agent, opens the
 * dashboard signed in, and the window is locked down. Runs where the Electron binary is present
 * (`node node_modules/electron/install.js`); skipped with the reason elsewhere (this CI machine has no
 * Electron binary: its download is disabled at install time).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { ROOT } from '../helpers/vigil.js';
import { SLEEPER, startStack, type Stack } from './stack.js';
import { screenshot } from './browser.js';

function electronBinary(): string | null {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
const needsDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skip =
  bin === null
    ? 'the Electron binary is not installed here (its postinstall download is disabled; run `node node_modules/electron/install.js` on a machine that can download it)'
    : needsDisplay
      ? 'no display (set DISPLAY, e.g. run under xvfb-run)'
      : false;

describe('desktop app (Electron)', { skip, timeout: 180_000 }, () => {
  let stack: Stack & { names: Record<string, string> };
  let app: ElectronApplication;

  before(async () => {
    stack = await startStack({ web: `command: [${SLEEPER}]` });
    app = await _electron.launch({
      executablePath: bin!,
      args: [path.join(ROOT, 'dist', 'electron', 'main.js'), '--open', '--no-sandbox'],
      env: { ...process.env, ...stack.t.env } as Record<string, string>,
      timeout: 60_000,
    });
  });
  after(async () => {
    await app?.close().catch(() => undefined);
    await stack?.close();
  });

  it('opens the dashboard signed in, from the agent it found on its socket', async () => {
    const win = await app.firstWindow();
    await win.locator('nav[aria-label="Main"]').waitFor({ timeout: 60_000 });
    await win.locator(`tr[data-service="${stack.names.web}"]`).waitFor();
    assert.equal(new URL(win.url()).origin, stack.url);
    await screenshot(win, '20-electron-dashboard');
  });

  it('is locked down: isolation, sandbox, no Node, no popups, no foreign navigation, the bridge only', async () => {
    const win = await app.firstWindow();
    assert.equal(await win.evaluate('typeof require'), 'undefined', 'no Node in the page');
    assert.equal(
      await win.evaluate('typeof process'),
      'undefined',
      'context isolation: nothing of the preload leaks but the bridge',
    );
    assert.equal(await win.evaluate('window.open("https://example.com") === null'), true);
    assert.deepEqual(await win.evaluate('Object.keys(window.vigilDesktop).sort()'), [
      'getStartAtLogin',
      'platform',
      'setStartAtLogin',
    ]);
    await win.evaluate('location.href = "https://example.com/"').catch(() => undefined);
    await win.waitForTimeout(500);
    assert.equal(new URL(win.url()).origin, stack.url, 'navigation away was refused');
    const perm = await win.evaluate(
      'navigator.permissions.query({ name: "notifications" }).then((p) => p.state).catch(() => "denied")',
    );
    assert.notEqual(perm, 'granted');
  });
});

if (skip) console.log(`# skipped: desktop app test: ${skip}`);
