/**
 * Issue 14's port squatter, for real: root signs a Chromium tab in to a real agent (real systemd service,
 * a credential set); the agent really stops; a second local user (useradd -m, removed after) binds the
 * agent's port with a python server that records every header and body the tab sends and serves a page
 * that reads the origin's storage on reload; the agent cannot start while the port is held (named error);
 * then the squatter goes, the agent restarts, and every recorded request is replayed with the page's
 * Origin: each is refused, the service's PID is unchanged, the credential file untouched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBrowser, chromiumPresentTest, requireChromium, type Browser } from './browser.js';
import { SLEEPER, freePort } from './stack.js';
import { raw } from '../helpers/api-fixture.js';
import { uniquePrefix } from '../helpers/systemd.js';
import {
  FIXTURES,
  makeHome,
  sleep,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';

chromiumPresentTest();

interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

describe(
  'a port squatter (another local user) gets nothing from a signed-in tab',
  { timeout: 300_000 },
  () => {
    const user = `vigil-sq-${randomBytes(3).toString('hex')}`;
    let t: TestHome;
    let agent: AgentProcess | null = null;
    let squatter: ChildProcess | null = null;
    let b: Browser;
    let port: number;
    let svc: string;
    let spool: string;
    const start = () => startAgent(t, ['--http', `127.0.0.1:${port}`]);
    const mainPid = () =>
      execFileSync('systemctl', ['--user', 'show', '-p', 'MainPID', '--value', `vigil-${svc}.service`], {
        env: t.env,
      })
        .toString()
        .trim();
    const credFile = () => path.join(t.env.VIGIL_HOME!, 'credentials', 'sq.env');

    before(async () => {
      requireChromium();
      if (process.getuid?.() !== 0)
        throw new Error('needs root: the test creates a second local user (useradd -m)');
      execFileSync('useradd', ['-m', user]);
      t = await makeHome('vigil-sq-');
      svc = uniquePrefix();
      port = await freePort();
      const r = await t.vigil(['secrets', 'set', 'sq', 'API_KEY'], { input: 'sq-original-value\n' });
      assert.equal(r.code, 0, r.stderr);
      await t.json([
        'apply',
        '-f',
        t.manifest(`services:\n  ${svc}:\n    command: [${SLEEPER}]\n    credentials: [sq]\n`),
      ]);
      agent = await start();
      spool = mkdtempSync(path.join(tmpdir(), 'vigil-sq-spool-'));
      chownSync(spool, Number(execFileSync('id', ['-u', user]).toString()), 0);
      chmodSync(spool, 0o755);
      b = await openBrowser();
    });

    after(async () => {
      squatter?.kill('SIGKILL');
      await b?.close();
      await agent?.stop();
      await t?.cleanup();
      if (spool) rmSync(spool, { recursive: true, force: true });
      spawnSync('userdel', ['-r', user]);
    });

    it('records nothing replayable while the agent is down; every replay is refused after it restarts', async () => {
      await b.page.goto((await t.json<{ url: string }>(['open', '--no-browser'])).url);
      await b.page.waitForSelector('nav[aria-label="Main"]');
      await b.page.locator(`tr[data-service="${svc}"]`).waitFor();
      const pid = mainPid();
      assert.match(pid, /^[1-9]\d*$/);
      const credBefore = readFileSync(credFile(), 'utf8');
      const credMtime = statSync(credFile()).mtimeMs;

      assert.equal(await agent!.stop(), 0);
      agent = null;
      const log = path.join(spool, 'requests.jsonl');
      squatter = spawn(
        'runuser',
        ['-u', user, '--', 'python3', path.join(FIXTURES, 'security', 'squatter.py'), String(port), log],
        {
          stdio: 'ignore',
        },
      );
      await waitFor('the squatter listening', async () => {
        try {
          return (await raw({ port }, { path: '/x', headers: { host: `127.0.0.1:${port}` } })).status === 200;
        } catch {
          return false;
        }
      });

      // The agent refuses to start on a port another user holds, naming the port and how to find the holder.
      await assert.rejects(start(), (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`E_PORT_IN_USE|127\\.0\\.0\\.1:${port}: another process already listens`),
        );
        assert.match(err.message, new RegExp(`ss -ltnp 'sport = :${port}'`));
        return true;
      });

      // The open tab keeps polling for a while; then a reload is served by the squatter.
      await sleep(10_000);
      await b.page.reload().catch(() => undefined);
      await waitFor(
        'the squatter page reporting the storage',
        () => existsSync(log) && readFileSync(log, 'utf8').includes('"/leak"'),
      );
      squatter.kill('SIGTERM');
      await new Promise((r) => squatter!.once('exit', r));
      squatter = null;

      const recorded = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Recorded);
      const fromTab = recorded.filter((r) => r.path.startsWith('/api/'));
      assert.ok(
        fromTab.length > 0,
        `the tab reached the squatter: ${JSON.stringify(recorded.map((r) => r.path))}`,
      );
      for (const r of recorded) {
        const lower = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
        assert.equal(lower.cookie, undefined, `no cookie in ${r.method} ${r.path}`);
        assert.equal(lower['x-vigil-key'], undefined);
        assert.equal(
          lower['x-vigil-signature'],
          undefined,
          `nothing signed went to the squatter (${r.path})`,
        );
      }
      const leak = recorded.find((r) => r.path === '/leak')!;
      const dump = JSON.parse(leak.body) as { local: object; session: object; hash: string };
      assert.deepEqual([dump.local, dump.session], [{}, {}], 'nothing in the origin storage');
      assert.doesNotMatch(dump.hash, /key=/);

      agent = await start();
      for (const r of recorded) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers))
          if (!/^(content-length|connection)$/i.test(k)) headers[k] = v;
        headers.origin = `http://127.0.0.1:${port}`;
        const res = await raw(
          { port },
          { method: r.method, path: r.path, headers, ...(r.body ? { body: r.body } : {}) },
        );
        if (r.path.startsWith('/api/'))
          assert.ok(
            [401, 403].includes(res.status),
            `replayed ${r.method} ${r.path}: ${res.status} ${res.text}`,
          );
      }
      // And the forged writes the issue found, with what the squatter learnt (the ticket) and the Origin.
      const ticket = fromTab
        .map((r) => r.headers['X-Vigil-Session'] ?? r.headers['x-vigil-session'])
        .find(Boolean);
      for (const [method, p, body] of [
        ['POST', `/api/services/${svc}/restart`, undefined],
        ['GET', '/api/credentials', undefined],
        ['PUT', '/api/credentials/sq/keys/OTHER', JSON.stringify({ value: 'squatted' })],
      ] as const) {
        const res = await raw(
          { port },
          {
            method,
            path: p,
            headers: {
              host: `127.0.0.1:${port}`,
              origin: `http://127.0.0.1:${port}`,
              ...(ticket ? { 'x-vigil-session': ticket } : {}),
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            ...(body ? { body } : {}),
          },
        );
        assert.equal(res.status, 401, `${method} ${p} with the recorded ticket: ${res.text}`);
      }
      assert.equal(mainPid(), pid, 'the service was not restarted');
      assert.equal(readFileSync(credFile(), 'utf8'), credBefore, 'the credential file is unchanged');
      assert.equal(statSync(credFile()).mtimeMs, credMtime);
    });
  },
);
