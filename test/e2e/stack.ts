/** A real stack for browser tests: services installed on the real systemd user manager, a real agent with --http. */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { FIXTURES, makeHome, startAgent, type AgentProcess, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

export const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
export const CHATTY = path.join(FIXTURES, 'services', 'chatty.sh');
export const CRASH = path.join(FIXTURES, 'services', 'crash.sh');

export interface Stack {
  t: TestHome;
  agent: AgentProcess;
  url: string;
  prefix: string;
  /** A one-time login URL from `vigil open`. */
  loginUrl(): Promise<string>;
  close(): Promise<void>;
}

/** `services` maps a short name to its manifest block (indented YAML under the service name). */
export interface StackOptions {
  /** Extra top-level manifest YAML (pricing:, budget:, credentials:). */
  top?: string;
  /** Runs before `vigil apply` (e.g. `vigil secrets set`), with the service names. */
  before?: (t: TestHome, names: Record<string, string>) => Promise<void>;
}

export async function startStack(
  services: Record<string, string>,
  opts: StackOptions = {},
): Promise<Stack & { names: Record<string, string> }> {
  const t = await makeHome('vigil-e2e-');
  const prefix = uniquePrefix();
  const names: Record<string, string> = {};
  let yaml = 'services:\n';
  for (const [short, block] of Object.entries(services)) {
    names[short] = `${prefix}-${short}`;
    yaml += `  ${names[short]}:\n${block.replace(/^/gm, '    ')}\n`;
  }
  if (opts.top) yaml += opts.top;
  let agent: AgentProcess;
  try {
    await opts.before?.(t, names);
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t, ['--http', '127.0.0.1:0']);
  } catch (err) {
    await t.cleanup();
    throw err;
  }
  const running = agent;
  if (running.httpUrl === null) throw new Error('the agent did not report its HTTP address');
  return {
    t,
    agent: running,
    url: running.httpUrl,
    prefix,
    names,
    async loginUrl() {
      return (await t.json<{ url: string }>(['open', '--no-browser'])).url;
    },
    async close() {
      await running.stop().catch(() => undefined);
      await t.cleanup();
    },
  };
}

/** Signs the page in through a fresh login link and waits for the app. */
export async function login(page: Page, stack: Stack): Promise<void> {
  await page.goto(await stack.loginUrl());
  await page.waitForSelector('nav[aria-label="Main"]');
}

export const KEYED = path.join(FIXTURES, 'services', 'keyed-health.mjs');
export const USAGE_WRITER = path.join(FIXTURES, 'services', 'usage-writer.mjs');

/** A free loopback port (for a fixture service's health endpoint). */
export { freePort } from '../helpers/free-port.js';
