/**
 * `vigil open [--no-browser] [--json]`: a one-time login link to the agent's web UI, printed, and opened
 * in the desktop's browser when there is one. The link never goes on a command line (where `ps` would
 * show it to other users): the browser is pointed at a private (0600) redirect file instead.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { vigilPaths } from '../../core/paths.js';
import { NodeProcessRunner } from '../../adapters/process/node-runner.js';
import type { LoginCodeDoc } from '../../api/contract.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { agentClient } from '../remote.js';

const USAGE = 'vigil open [--no-browser] [--json]';
const REDIRECT_PREFIX = 'open-';
const STALE_MS = 5 * 60_000;

/** Which program opens a URL or file on this desktop, or null when there is no desktop to open it on. */
export function opener(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | null {
  if (platform === 'darwin') return 'open';
  if (platform === 'linux' && (env.DISPLAY || env.WAYLAND_DISPLAY)) return 'xdg-open';
  return null;
}

/** A tiny page that sends the browser on to the login link (the file is 0600; the link is in it, not in argv). */
export function redirectPage(url: string): string {
  const safe = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${safe}"><title>Vigil</title><a href="${safe}">Open Vigil</a>\n`;
}

function writeRedirect(stateDir: string, url: string, now: number): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const f of readdirSync(stateDir)) {
    if (!f.startsWith(REDIRECT_PREFIX)) continue;
    const p = path.join(stateDir, f);
    try {
      if (now - statSync(p).mtimeMs > STALE_MS) rmSync(p, { force: true });
    } catch {
      // gone already
    }
  }
  const file = path.join(stateDir, `${REDIRECT_PREFIX}${randomBytes(8).toString('hex')}.html`);
  writeFileSync(file, redirectPage(url), { mode: 0o600, flag: 'wx' });
  return file;
}

/**
 * Opens a login URL in this desktop's browser through a private redirect file (never on a command line).
 * `why` says why not, when it was not opened.
 */
export async function openInBrowser(io: Io, url: string): Promise<{ opened: boolean; why: string }> {
  const program = opener(process.platform, io.env);
  if (program === null) return { opened: false, why: 'no desktop session to open a browser in' };
  try {
    const file = writeRedirect(path.dirname(vigilPaths(io.env).exits), url, Date.now());
    await new NodeProcessRunner(io.env).run(program, [file], { timeoutMs: 10_000 });
    return { opened: true, why: '' };
  } catch (err) {
    return { opened: false, why: `${program} failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

export async function openCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { 'no-browser': { type: 'boolean' }, ...JSON_FLAG }, USAGE);
  if (positionals.length > 0) throw new VigilError('E_USAGE', `usage: ${USAGE}`);
  const client = await agentClient(io);
  if (client === null) {
    throw new VigilError(
      'E_AGENT_UNREACHABLE',
      'the Vigil agent is not running: start it with "vigil agent run --http 127.0.0.1:7878" (or "vigil agent install --http 127.0.0.1:7878")',
    );
  }
  const login: LoginCodeDoc = await client.call('loginCode', {});
  let opened = false;
  let why = values['no-browser'] ? '' : 'no desktop session to open a browser in';
  if (!values['no-browser']) {
    const r = await openInBrowser(io, login.url);
    opened = r.opened;
    why = r.why;
  }
  if (values.json) {
    printJson(io, { ...login, opened });
    return EXIT_OK;
  }
  io.out(`${login.url}\n`);
  io.err(
    opened
      ? 'Opened in your browser. The link works once, within a minute.\n'
      : `Open this link in a browser on this machine (it works once, within a minute)${why ? ` — ${why}` : ''}.\n`,
  );
  return EXIT_OK;
}
