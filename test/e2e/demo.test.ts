/**
 * The README's own two set-up commands as a new user runs them, in a fresh clone of this repository's HEAD:
 * `npm ci` (installs and builds the clone), then `npx vigil demo --no-browser` from the clone, on the real
 * systemd user manager. The stack comes up with spend above zero and alerts, its units run the clone's
 * files (not this checkout's), the dashboard signs in with Chromium and every view is screenshot into
 * docs/screenshots/ (the README's pictures), the demo key can be rotated (and a bad one is rolled back),
 * then `npx vigil demo --down` leaves no vigil-demo unit, process or file — and a service of the user's
 * own VIGIL_HOME runs on untouched throughout. The clone is deleted after.
 *
 * The commands come from README.md's "## Try it" block (test/helpers/readme.ts): change them there and
 * this test runs the new ones. Two things are added, neither changing what is installed: npm ci gets
 * `--prefer-offline --no-audit --no-fund` (tarballs from npm's cache when it has them), and npx gets
 * `--no-install` (a clone whose bin is broken fails here instead of fetching some other package named
 * vigil) and the demo `--no-browser`. What is cloned is HEAD: commit before running this test.
 *
 * Isolation: the demo's home and the user's VIGIL_HOME are fresh temp folders (VIGIL_DEMO_HOME,
 * VIGIL_HOME); the units go where the real user manager reads them, as they would for a user. The pace
 * is sped up through the demo's own settings (VIGIL_DEMO_*: faster calls, shorter latencies, earlier
 * crashes, and a budget to match that pace); the alert rules and every service are the demo's defaults.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DOC_SCREENSHOTS,
  openBrowser,
  chromiumPresentTest,
  requireChromium,
  screenshot,
  type Browser,
} from './browser.js';
import { ROOT, makeHome, run, waitFor, type TestHome } from '../helpers/vigil.js';
import { readmeSetupCommands } from '../helpers/readme.js';
import { SLEEPER } from './stack.js';
import { uniquePrefix } from '../helpers/systemd.js';

const SERVICES = [
  'demo-model-proxy',
  'demo-agent',
  'demo-worker',
  'demo-cron-watchdog',
  'demo-upstream-monitor',
];
const PACE = {
  VIGIL_DEMO_CALL_MS: '300',
  VIGIL_DEMO_LATENCY_SCALE: '0.15',
  VIGIL_DEMO_CRASH_SEC: '20',
  VIGIL_DEMO_WORKER_MS: '3000',
  // Each usage read (every 2 s) adds well under the 20 % between the thresholds, so 80 % is never skipped.
  VIGIL_DEMO_BUDGET_USD: '4',
};

interface StatusDoc {
  services: { name: string; state: string; pid: number | null; restarts: number }[];
}

chromiumPresentTest();

describe('README set-up in a fresh clone (real systemd, Chromium)', { timeout: 600_000 }, () => {
  let user: TestHome;
  let mine: string;
  let minePid: number;
  let base: string;
  let clone: string;
  let demoHome: string;
  let env: NodeJS.ProcessEnv;
  let b: Browser | undefined;
  let loginUrl: string;
  let origin: string;
  const [install, demo] = readmeSetupCommands(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  /** The README's `npx vigil …`, run in the clone (npx --no-install: the clone's own bin or a failure). */
  const npx = (args: string[], input?: string) =>
    run(
      'npx',
      ['--no-install', 'vigil', ...args],
      { ...env, PWD: clone },
      { timeoutMs: 120_000, cwd: clone, ...(input ? { input } : {}) },
    );
  /** The clone's CLI against the demo's home (what the demo prints: VIGIL_HOME=… npx vigil status). */
  const vigil = (args: string[], input = '') =>
    run(
      process.execPath,
      [path.join(clone, 'bin', 'vigil.js'), ...args],
      { ...env, VIGIL_HOME: demoHome },
      { input, timeoutMs: 120_000, cwd: clone },
    );
  const demoCli = async <T>(args: string[]): Promise<T> => {
    const r = await vigil([...args, '--json']);
    assert.equal(r.code, 0, `vigil ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const unitDir = () => path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user');
  const demoUnits = () =>
    existsSync(unitDir()) ? readdirSync(unitDir()).filter((f) => f.startsWith('vigil-demo')) : [];
  /** Live processes whose command line names any of these paths. */
  const processesUsing = (...paths: string[]) =>
    readdirSync('/proc').filter((p) => {
      if (!/^\d+$/.test(p) || Number(p) === process.pid) return false;
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return paths.some((x) => cmd.includes(x));
      } catch {
        return false;
      }
    });

  before(async () => {
    requireChromium();
    assert.deepEqual(demoUnits(), [], 'no demo is installed before the test');
    // The user's own Vigil, with a service of its own that the demo must never touch.
    user = await makeHome('vigil-demo-user-');
    mine = `${uniquePrefix()}-mine`;
    await user.json(['apply', '-f', user.manifest(`services:\n  ${mine}:\n    command: [${SLEEPER}]\n`)]);
    minePid = (await user.json<StatusDoc>(['status'])).services.find((s) => s.name === mine)!.pid!;
    base = mkdtempSync(path.join(tmpdir(), 'vigil-demo-e2e-'));
    clone = path.join(base, 'vigil');
    demoHome = path.join(base, 'demo-home');
    // A new user's shell: nothing of the npm run that started this test (its variables, and the
    // node_modules/.bin folders it put on PATH), no launcher override.
    const fromNpmRun = (dir: string) => dir.includes(`${path.sep}node_modules${path.sep}`);
    env = Object.fromEntries(
      Object.entries({ ...user.env, ...PACE, VIGIL_DEMO_HOME: demoHome })
        .filter(([k]) => !/^npm_/i.test(k) && k !== 'VIGIL_LAUNCHER' && k !== 'INIT_CWD')
        .map(([k, v]) =>
          k === 'PATH' && v !== undefined
            ? [
                k,
                v
                  .split(path.delimiter)
                  .filter((d) => !fromNpmRun(d))
                  .join(path.delimiter),
              ]
            : [k, v],
        ),
    );
  });

  after(async () => {
    // Each step even when one before it failed: the user's own service must not outlive the test.
    try {
      await b?.close();
      if (demoHome && existsSync(demoHome) && existsSync(path.join(clone, 'dist')))
        await npx(['demo', '--down']);
    } finally {
      await user?.cleanup();
      if (base) rmSync(base, { recursive: true, force: true });
    }
  });

  it("the README's set-up is two commands: npm ci, then npx vigil demo", () => {
    assert.deepEqual(
      install?.slice(0, 2),
      ['npm', 'ci'],
      `README.md's first set-up command: ${install?.join(' ')}`,
    );
    assert.deepEqual(demo?.slice(0, 3), ['npx', 'vigil', 'demo'], `README.md's second: ${demo?.join(' ')}`);
  });

  it('a fresh clone of HEAD: npm ci installs and builds it', async () => {
    const head = await run('git', ['-C', ROOT, 'rev-parse', 'HEAD'], env, {});
    const c = await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], env, {
      timeoutMs: 120_000,
    });
    assert.equal(c.code, 0, c.stderr);
    const cloned = await run('git', ['-C', clone, 'rev-parse', 'HEAD'], env, {});
    assert.equal(cloned.stdout.trim(), head.stdout.trim(), 'the clone is HEAD');
    assert.equal(existsSync(path.join(clone, 'node_modules')), false, 'nothing installed yet');
    const [cmd, ...args] = install!;
    const t0 = Date.now();
    const r = await run(
      cmd!,
      [...args, '--prefer-offline', '--no-audit', '--no-fund'],
      { ...env, PWD: clone },
      {
        timeoutMs: 420_000,
        cwd: clone,
      },
    );
    console.log(`# ${install!.join(' ')} in the fresh clone took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    for (const built of ['dist/agent/cli/main.js', 'dist/bin/vigil-launch', 'renderer/dist/index.html'])
      assert.ok(existsSync(path.join(clone, built)), `npm ci built ${built}`);
  });

  it('npx vigil demo --no-browser, from the clone, installs the stack and prints the login link, saying nothing real is called', async () => {
    const t0 = Date.now();
    const r = await npx([...demo!.slice(2), '--no-browser']);
    assert.equal(r.code, 0, r.stderr);
    console.log(`# vigil demo took ${Date.now() - t0} ms (npx included)`);
    assert.match(r.stdout, /Nothing real is called and no money is spent/);
    const m = /(http:\/\/127\.0\.0\.1:\d+)\/login\?code=\S+/.exec(r.stdout);
    assert.ok(m, r.stdout);
    loginUrl = m[0];
    origin = m[1]!;
    const units = demoUnits().sort();
    assert.deepEqual(units, ['vigil-demo.service', ...SERVICES.map((s) => `vigil-${s}.service`)].sort());
    // Every unit runs the clone's files: its agent (bin/vigil.js) and launcher, nothing of this checkout.
    for (const u of units) {
      const text = readFileSync(path.join(unitDir(), u), 'utf8');
      assert.ok(!text.includes(`${ROOT}/`), `${u} names nothing of this checkout (${ROOT}):\n${text}`);
      const exec = /^ExecStart=(.*)$/m.exec(text)?.[1] ?? '';
      assert.ok(exec.includes(`${clone}/`), `${u} runs the clone's files: ${exec}`);
    }
    assert.match(
      readFileSync(path.join(unitDir(), 'vigil-demo.service'), 'utf8'),
      new RegExp(`${clone}/bin/vigil\\.js`),
    );
  });

  it('runs every service, spends (simulated) money and raises alerts: the 80 % budget notice among them', async () => {
    await waitFor(
      'every demo service running',
      async () => {
        const st = await demoCli<StatusDoc>(['status']);
        return SERVICES.every((n) => st.services.find((s) => s.name === n)?.state === 'running');
      },
      60_000,
      500,
    );
    const usage = await waitFor(
      'spend above zero',
      async () => {
        const u = await demoCli<{ total: { costUsd: number; requests: number } }>(['usage']);
        return u.total.costUsd > 0 ? u : undefined;
      },
      60_000,
      500,
    );
    assert.ok(usage.total.requests > 0);
    const alerts = await waitFor(
      'the 80 % budget alert',
      async () => {
        const a = await demoCli<{ notifications: { title: string }[] }>(['alerts']);
        return a.notifications.some((n) => /^Daily budget/.test(n.title)) ? a : undefined;
      },
      90_000,
      1000,
    );
    assert.ok(alerts.notifications.length >= 1);
    const events = await demoCli<{ events: { type: string; message: string }[] }>(['events', '-n', '500']);
    assert.ok(
      events.events.some((e) => e.type === 'budget-threshold' && /threshold 80 %/.test(e.message)),
      'a budget-threshold event at 80 %',
    );
  });

  it('the demo-upstream-monitor crashes and is restarted, with the crash recorded', async () => {
    await waitFor(
      'a crash of demo-upstream-monitor',
      async () => {
        const ev = await demoCli<{ events: { type: string; service: string | null }[] }>([
          'events',
          '-n',
          '500',
        ]);
        return ev.events.some((e) => e.type === 'crashed' && e.service === 'demo-upstream-monitor');
      },
      60_000,
      1000,
    );
  });

  it('signs in with Chromium and screenshots every view into docs/screenshots/', async () => {
    b = await openBrowser({ viewport: { width: 1280, height: 800 } });
    const page = b.page;
    await page.goto(loginUrl);
    await page.waitForSelector('nav[aria-label="Main"]');
    await page.locator('tr[data-service="demo-agent"]').waitFor();
    await page.locator('tr[data-service="demo-upstream-monitor"]').waitFor();
    assert.match(
      (await page.getByTestId('demo-note').textContent()) ?? '',
      /Nothing real is called and no money is spent/,
      'the dashboard says the stack is simulated',
    );
    // The host strip comes with the first /api/host (systeminformation loads then): in the picture too.
    await page.getByTestId('host-strip').getByTestId('host-cpu').waitFor();
    await screenshot(page, 'overview', DOC_SCREENSHOTS);
    await page.goto(`${origin}/#/service/demo-agent`);
    await page.getByTestId('log-scroller').locator('.log-row').first().waitFor();
    await screenshot(page, 'service-detail', DOC_SCREENSHOTS);
    await page.goto(`${origin}/#/service/demo-upstream-monitor`);
    await page.getByTestId('log-scroller').locator('.log-row').first().waitFor();
    await screenshot(page, 'service-crashed', DOC_SCREENSHOTS);
    await page.goto(`${origin}/#/usage`);
    await page.getByText('claude-sonnet-4-20250514').first().waitFor();
    await screenshot(page, 'usage', DOC_SCREENSHOTS);
    await page.goto(`${origin}/#/credentials`);
    await page.getByText('demo-provider').first().waitFor();
    await screenshot(page, 'credentials', DOC_SCREENSHOTS);
    await page.goto(`${origin}/#/alerts`);
    await page
      .getByText(/Daily budget/)
      .first()
      .waitFor();
    await screenshot(page, 'alerts', DOC_SCREENSHOTS);
    await page.goto(`${origin}/#/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await screenshot(page, 'settings', DOC_SCREENSHOTS);
    assert.deepEqual(await b.cspViolations(), []);
    for (const f of ['overview', 'service-detail', 'usage', 'credentials', 'alerts', 'settings'])
      assert.ok(existsSync(path.join(DOC_SCREENSHOTS, `${f}.png`)), f);
  });

  it('the demo key rotates: a demo value passes the health gate, a bad one is rolled back', async () => {
    const good = await vigil(
      ['secrets', 'rotate', 'demo-provider', 'DEMO_API_KEY', '--json'],
      'demo-rotated-e2e-0001\n',
    );
    assert.equal(good.code, 0, good.stderr + good.stdout);
    assert.equal(JSON.parse(good.stdout).outcome, 'succeeded', good.stdout);
    const bad = await vigil(
      ['secrets', 'rotate', 'demo-provider', 'DEMO_API_KEY', '--json', '--timeout', '8'],
      'not-a-demo-key\n',
    );
    assert.notEqual(bad.code, 0, bad.stdout);
    assert.match(bad.stdout + bad.stderr, /roll(ed)? ?back/i);
    const env2 = readFileSync(path.join(demoHome, 'credentials', 'demo-provider.env'), 'utf8');
    assert.match(env2, /^DEMO_API_KEY=demo-rotated-e2e-0001$/m, 'the good value is back after the rollback');
  });

  it("npx vigil demo --down leaves no vigil-demo unit, process or file; the user's own service runs on", async () => {
    await b?.close();
    b = undefined;
    const r = await npx(['demo', '--down']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(demoUnits(), []);
    const listed = await run(
      'systemctl',
      ['--user', 'list-units', '--all', '--no-legend', 'vigil-demo*'],
      env,
      {},
    );
    assert.equal(listed.stdout.trim(), '', listed.stdout);
    assert.deepEqual(processesUsing(demoHome, clone), [], 'no process runs from the demo home or the clone');
    assert.equal(existsSync(demoHome), false);
    const st = await user.json<StatusDoc>(['status']);
    const own = st.services.find((s) => s.name === mine);
    assert.equal(own?.state, 'running');
    assert.equal(own?.pid, minePid, "the user's own service was never restarted");
    assert.ok(existsSync(path.join(user.env.VIGIL_HOME!, 'vigil.db')), "the user's VIGIL_HOME is intact");
  });
});
