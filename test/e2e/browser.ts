/**
 * Browser tests' helpers: Debian's chromium driven by playwright-core (headless, no sandbox as root, no
 * network of its own), a fresh profile per context, CSP violations collected, screenshots saved.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../helpers/vigil.js';

export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM}: the browser tests cannot run. Install it with \`bash scripts/test-prereqs.sh\` (as root; on Debian it runs \`apt-get install -y chromium\`), or point VIGIL_CHROMIUM at a Chromium binary`;
}

/** A browser test that cannot run fails, saying why (never a silent skip). */
export function requireChromium(): void {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
}

/** A test of its own that fails, with the command to run, where Chromium is missing (before the suite's hook cancels the rest). */
export function chromiumPresentTest(): void {
  test('Chromium is installed (the browser tests need it)', () => requireChromium());
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** CSP violations reported by the page (must stay empty). */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

/** A fresh Chromium profile (own --user-data-dir) with one page. */
export async function openBrowser(
  opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    colorScheme: opts.colorScheme ?? 'light',
    timeout: 60_000,
  });
  await context.addInitScript({
    content:
      "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ': ' + e.blockedURI));",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  return {
    context,
    page,
    async cspViolations() {
      return page.evaluate<string[]>('window.__csp ?? []');
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The README's and docs' screenshots, produced by the demo's e2e test (test/e2e/demo.test.ts). */
export const DOC_SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');

export async function screenshot(page: Page, name: string, dir: string = SCREENSHOTS): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
