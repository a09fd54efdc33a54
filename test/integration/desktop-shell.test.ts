/**
 * The desktop shell's own code, end to end: dist/electron/main.js runs in a child Node process with
 * 'electron' resolved to the recording stand-in (test/electron-standin/), against a REAL agent and REAL
 * systemd units. The tray shows the worst state and today's spend, its menu lists every service and its
 * Restart item restarts the real unit; a kill -9, a budget at 80 % and a stop for spend become
 * notifications whose click opens the matching view, the tray's Resume +$N raises today's cap and Resume
 * (lift) pauses enforcement, each through the real agent; the agent restarting is followed by a reconnect;
 * the window is locked down; Quit leaves no process behind; and a first launch without an agent offers
 * to install one and the agent comes up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import type { Call } from '../electron-standin/electron.js';
import {
  FIXTURES,
  makeHome,
  run,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { freePort } from '../helpers/free-port.js';
import {
  PRELOAD,
  processGroupMembers,
  startShell,
  trayLook,
  waitForTray,
  type DesktopShell,
} from '../helpers/desktop-shell.js';

const SERVER = path.join(FIXTURES, 'services', 'health-server.mjs');
const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
const EMITTER = path.join(FIXTURES, 'services', 'usage-emitter.sh');
const UNIT_DIR = path.join(homedir(), '.config', 'systemd', 'user');

/** The shell's environment: its own XDG config (autostart), the real unit directory for installs. */
function shellEnv(t: TestHome, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...t.env,
    XDG_CONFIG_HOME: path.join(t.home, 'xdg'),
    VIGIL_SYSTEMD_UNIT_DIR: UNIT_DIR,
    ...extra,
  };
}

interface Note {
  title: string;
  body: string;
  urgency: string;
  silent: boolean;
}
const notes = async (shell: DesktopShell): Promise<Note[]> =>
  (await shell.callsTo('new Notification')).map((c) => c.args[0] as Note);

async function waitForNote(shell: DesktopShell, title: RegExp, timeoutMs = 30_000): Promise<number> {
  return waitFor(
    `a notification ${title}`,
    async () => {
      const i = (await notes(shell)).findIndex((n) => title.test(n.title));
      return i >= 0 ? i : undefined;
    },
    timeoutMs,
    200,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; shown: ${JSON.stringify((await notes(shell)).map((n) => n.title))}`);
  });
}

const loadedUrls = async (shell: DesktopShell): Promise<string[]> =>
  (await shell.callsTo('BrowserWindow.loadURL')).map((c) => c.args[0] as string);

async function quitLeavesNothing(shell: DesktopShell): Promise<void> {
  const pgid = shell.child.pid!;
  assert.equal(await shell.clickMenu('^Quit Vigil$'), 'Quit Vigil');
  const code = await Promise.race([
    shell.exited,
    new Promise<string>((r) => setTimeout(() => r('still running'), 10_000)),
  ]);
  assert.equal(
    code,
    0,
    `after Quit the shell ends by itself (no timer, socket or stream left): ${code}; ${shell.stderr()}`,
  );
  assert.deepEqual(processGroupMembers(pgid), [], 'no process of the shell is left');
}

describe('desktop shell over a running agent (real systemd, real agent, the shell’s own code)', () => {
  let t: TestHome;
  let agent: AgentProcess;
  let shell: DesktopShell;
  let httpPort: number;
  let gate: string;
  const p = uniquePrefix();
  const web = `${p}-web`;
  const worker = `${p}-worker`;
  const burn = `${p}-burn`;
  const origin = () => `http://127.0.0.1:${httpPort}`;
  const service = async (name: string) =>
    (await t.json<StatusDoc>(['status', name])).services.find((s) => s.name === name)!;

  before(async () => {
    t = await makeHome('vigil-shell-');
    const healthPort = await freePort();
    httpPort = await freePort();
    gate = path.join(t.home, 'start-burning');
    const yaml = `services:
  ${web}:
    command: [${process.execPath}, ${SERVER}, "${healthPort}", ${path.join(t.home, 'health.json')}]
    restart: { policy: "no" }
    health: { url: "http://127.0.0.1:${healthPort}/health", intervalSec: 1, timeoutSec: 1, stableSec: 1 }
  ${worker}:
    command: [${SLEEPER}]
  ${burn}:
    command: [${EMITTER}, "1", ${gate}]
    usage: { log: true, intervalSec: 1 }
budget:
  timezone: UTC
  dailyUsd: 3
  onExceed: stop
  stop: [${burn}]
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t, ['--http', `127.0.0.1:${httpPort}`]);
    shell = startShell(shellEnv(t));
  });
  after(async () => {
    shell?.kill();
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  it('the tray shows the worst state and today’s spend; the menu lists every service with its state', async () => {
    const look = await waitForTray(shell, 'all running', (l) => l.icon === 'tray-ok.png');
    assert.equal(look.tooltip, 'Vigil — All 3 running · $0.00 today of $3.00');
    assert.equal(look.title, null, 'no menu-bar title off macOS');
    const menu = await waitFor(
      'web healthy in the menu',
      async () => {
        const m = await shell.menu();
        return m.some((x) => x.label === `● ${web} — running, healthy`) ? m : undefined;
      },
      20_000,
      200,
    );
    const labels = menu.map((m) => m.label);
    assert.ok(labels.includes(`● ${web} — running, healthy`), labels.join(' | '));
    assert.ok(labels.includes(`● ${worker} — running`), labels.join(' | '));
    assert.ok(labels.includes(`● ${burn} — running`), labels.join(' | '));
    assert.ok(labels.includes('Spent $0.00 today of $3.00 (0 %)'), labels.join(' | '));
    const item = menu.find((m) => m.label === `● ${worker} — running`)!;
    assert.deepEqual(
      item.submenu?.map((s) => [s.label, s.clickable]),
      [
        [`Restart ${worker}`, true],
        ['Show details…', true],
      ],
    );
    const file = (await trayLook(shell)).icon;
    const image = (await shell.callsTo('nativeImage.createFromPath')).at(-1)!.args[0] as string;
    assert.equal(path.basename(image), file);
    assert.ok(existsSync(image), `the icon file exists: ${image}`);
  });

  it('the Restart item restarts the real unit (its PID changes)', async () => {
    await waitFor('the worker in the menu', async () =>
      (await shell.menu().catch(() => [])).some((m) => m.label === `● ${worker} — running`),
    );
    const before = await service(worker);
    assert.ok(before.pid, 'the worker runs');
    assert.equal(await shell.clickMenu(`^● ${worker} — `, `^Restart ${worker}$`), `Restart ${worker}`);
    const after = await waitFor(
      'a new PID',
      async () => {
        const s = await service(worker);
        return s.state === 'running' && s.pid && s.pid !== before.pid ? s : undefined;
      },
      20_000,
      200,
    );
    assert.notEqual(after.pid, before.pid);
    const active = await run('systemctl', ['--user', 'is-active', `vigil-${worker}.service`], t.env, {});
    assert.equal(active.stdout.trim(), 'active');
    assert.deepEqual(await shell.callsTo('dialog.showErrorBox'), [], 'no error shown');
  });

  it('the agent restarting is followed by a reconnect (and no install offer)', async () => {
    assert.equal(await agent.stop(), 0);
    await waitForTray(
      shell,
      'the agent gone',
      (l) => l.icon === 'tray-down.png' && /not running|Vigil agent:/.test(l.tooltip),
    );
    agent = await startAgent(t, ['--http', `127.0.0.1:${httpPort}`]);
    const back = await waitForTray(shell, 'reconnected', (l) => l.icon === 'tray-ok.png', 30_000);
    assert.match(back.tooltip, /All 3 running/);
    assert.deepEqual(
      await shell.callsTo('dialog.showMessageBox'),
      [],
      'an agent that restarts is not "missing": the install offer is for a first launch only',
    );
  });

  it('a kill -9 of a service becomes a notification; its click opens that service’s view', async () => {
    await waitFor(
      'web healthy in the menu',
      async () => (await shell.menu().catch(() => [])).some((m) => m.label === `● ${web} — running, healthy`),
      20_000,
      200,
    );
    const before = await service(web);
    process.kill(before.pid!, 'SIGKILL');
    const i = await waitForNote(shell, new RegExp(`^${web} is down$`));
    const note = (await notes(shell))[i]!;
    assert.equal(note.urgency, 'critical');
    assert.equal(note.silent, false, 'a critical notice is not silent');
    assert.match(note.body, new RegExp(web));
    await waitForTray(
      shell,
      'down in the tray',
      (l) => l.icon === 'tray-down.png' && /1 of 3 down/.test(l.tooltip),
    );
    assert.ok((await shell.menu()).some((m) => m.label?.startsWith(`✖ ${web} — `)));
    await shell.request({ op: 'clickNotification', index: i });
    const urls = await waitFor('the window loads the view', async () => {
      const u = await loadedUrls(shell);
      return u.at(-1) === `${origin()}/#/service/${encodeURIComponent(web)}` ? u : undefined;
    });
    // Signed in first with a one-time login link from the agent itself.
    assert.match(urls[0]!, new RegExp(`^${origin()}/`));
    assert.notEqual(urls[0], urls.at(-1));
    await shell.clickMenu(`^✖ ${web} — `, '^Show details…$');
    assert.equal((await loadedUrls(shell)).length, urls.length + 1, 'the same window, at the view');
    assert.equal((await loadedUrls(shell)).at(-1), `${origin()}/#/service/${encodeURIComponent(web)}`);
    assert.equal((await shell.callsTo('new BrowserWindow')).length, 1);
  });

  it('the window is locked down: recorded options, navigation, new windows, permissions', async () => {
    const [win] = await shell.callsTo('new BrowserWindow');
    const prefs = (win!.args[0] as { webPreferences: Record<string, unknown> }).webPreferences;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.preload, PRELOAD);
    assert.ok(existsSync(PRELOAD), 'the preload is built');
    const nav = (event: string, url: string) =>
      shell.request<{ prevented: boolean }>({ op: 'navigate', event, url });
    assert.deepEqual(await nav('will-navigate', 'https://example.com/'), { prevented: true });
    assert.deepEqual(await nav('will-navigate', 'file:///etc/passwd'), { prevented: true });
    assert.deepEqual(await nav('will-redirect', 'http://127.0.0.1:1/'), { prevented: true });
    assert.deepEqual(await nav('will-navigate', `${origin()}/#/usage`), { prevented: false });
    assert.deepEqual(await nav('will-attach-webview', ''), { prevented: true });
    const open = (url: string) => shell.request<{ action: string }>({ op: 'windowOpen', url });
    assert.deepEqual(await open('https://example.com/docs'), { action: 'deny' });
    assert.deepEqual(await open(`${origin()}/#/`), { action: 'deny' });
    assert.deepEqual(await open('file:///etc/passwd'), { action: 'deny' });
    assert.deepEqual(
      (await shell.callsTo('shell.openExternal')).map((c) => c.args[0]),
      ['https://example.com/docs'],
      'only a foreign http(s) link goes to the browser',
    );
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read'])
      assert.equal(await shell.request({ op: 'permission', permission }), false, permission);
    assert.equal(await shell.request({ op: 'permissionCheck', permission: 'notifications' }), false);
  });

  it('the preload exposes only the start-at-login bridge, which reaches main only from the agent’s origin', async () => {
    const exposed = await shell.request<{ key: string; members: Record<string, string> }[]>({
      op: 'loadPreload',
      file: PRELOAD,
    });
    assert.deepEqual(exposed, [
      {
        key: 'vigilDesktop',
        members: { platform: 'string', getStartAtLogin: 'function', setStartAtLogin: 'function' },
      },
    ]);
    const autostart = path.join(t.home, 'xdg', 'autostart', 'vigil.desktop');
    const bridge = (method: string, ...args: unknown[]) =>
      shell.request({ op: 'bridge', key: 'vigilDesktop', method, args });
    assert.equal(await bridge('getStartAtLogin'), false);
    assert.equal(await bridge('setStartAtLogin', true), true);
    assert.match(readFileSync(autostart, 'utf8'), /^Exec=.*main\.js$/m);
    assert.equal((await shell.menu()).find((m) => m.label === 'Start at Login')?.checked, true);
    const foreign = (channel: string, ...args: unknown[]) =>
      shell.request({ op: 'ipcInvoke', channel, args, senderUrl: 'https://evil.example/' });
    assert.equal(await foreign('vigil:set-start-at-login', false), true, 'a foreign page changes nothing');
    assert.equal(await foreign('vigil:get-start-at-login'), false, 'nor learns anything');
    assert.ok(existsSync(autostart));
    await shell.clickMenu('^Start at Login$');
    assert.equal(existsSync(autostart), false, 'the menu item turns it off');
    assert.equal(await bridge('getStartAtLogin'), false);
  });

  it('a budget at 80 % and a stop for spend become notifications; the tray shows the spend', async () => {
    writeFileSync(gate, '');
    const at80 = await waitForNote(shell, /^Budget 80 % reached$/);
    const stopped = await waitForNote(shell, new RegExp(`^${burn} stopped for spend$`));
    assert.equal((await notes(shell))[at80]!.urgency, 'normal');
    assert.equal((await notes(shell))[stopped]!.urgency, 'critical');
    const look = await waitForTray(shell, 'the spend', (l) =>
      /\$[3-9]\.\d\d today of \$3\.00/.test(l.tooltip),
    );
    assert.equal(look.icon, 'tray-down.png', 'the budget is exceeded: the worst state');
    const menu = await waitFor('the resume item', async () => {
      const m = await shell.menu();
      return m.some((x) => x.label === `Resume ${burn} (lift today's caps)`) ? m : undefined;
    });
    assert.ok(menu.some((x) => /^Spent \$\d+\.\d\d today of \$3\.00 \(\d+ %\)$/.test(x.label ?? '')));
    assert.equal((await notes(shell))[at80]!.silent, true, 'a warning is silent');
    await shell.request({ op: 'clickNotification', index: at80 });
    await waitFor('the usage view', async () => (await loadedUrls(shell)).at(-1) === `${origin()}/#/usage`);
    // Resume +$N: today's cap raised by the real agent (the Usage page's Resume +$N), the stopped service
    // started again; it burns on, so the raised cap stops it again a few seconds later.
    const raiseItem = new RegExp(
      `^Resume ${burn} \\(\\+\\$(\\d+\\.\\d\\d): today's cap to \\$(\\d+\\.\\d\\d)\\)$`,
    );
    const raiseLabel = menu.find((x) => raiseItem.test(x.label ?? ''))?.label;
    assert.ok(raiseLabel, menu.map((x) => x.label).join(' | '));
    const [, add = '', cap = ''] = raiseItem.exec(raiseLabel)!;
    assert.ok(Number(cap) - Number(add) === 3 && Number(add) >= 1, raiseLabel);
    await shell.clickMenu(raiseItem.source);
    await waitForTray(shell, 'the raised cap', (l) => l.tooltip.includes(` today of $${cap}`));
    const raised = await waitFor('a budget-resumed event', async () => {
      const ev = await t.json<{ events: { type: string; message: string }[] }>(['events', '-n', '200']);
      return ev.events.find((e) => e.type === 'budget-resumed');
    });
    assert.match(raised.message, new RegExp(`cap raised by \\$${add.replace('.', '\\.')}`), raised.message);
    await waitFor(
      'burn stopped again at the raised cap',
      async () =>
        (await shell.menu()).some((m) => m.label === `Resume ${burn} (lift today's caps)`) &&
        (await service(burn)).state === 'stopped',
      30_000,
      200,
    );
    // Resume: today's caps lifted, the stopped service started again by the real agent.
    await shell.clickMenu(`^Resume ${burn} \\(lift`);
    await waitFor('burn running again', async () => (await service(burn)).state === 'running', 20_000, 200);
    await waitFor('paused in the menu', async () =>
      (await shell.menu()).some(
        (m) => m.label === 'Budget enforcement paused until midnight' && m.enabled === false,
      ),
    );
    await t.json(['stop', burn]);
  });

  it('on macOS: template images, today’s spend as the title, no Dock icon, login items', async () => {
    const mac = startShell(shellEnv(t, { VIGIL_STANDIN_PLATFORM: 'darwin' }));
    try {
      const look = await waitForTray(mac, 'the title', (l) => /^\$\d+\.\d\d$/.test(l.title ?? ''));
      assert.equal(look.icon, 'tray-downTemplate.png');
      const calls = await mac.calls();
      assert.ok(calls.some((c) => c.api === 'app.dock.hide'));
      const images = calls
        .filter((c) => c.api === 'Tray.setImage')
        .map((c) => c.args[0] as { image: { template: boolean } });
      assert.ok(images.length > 0 && images.every((i) => i.image.template), 'every tray image is a template');
      await mac.clickMenu('^Start at Login$');
      assert.deepEqual(
        (await mac.callsTo('app.setLoginItemSettings')).map((c) => c.args[0]),
        [{ openAtLogin: true }],
      );
      assert.equal((await mac.menu()).find((m) => m.label === 'Start at Login')?.checked, true);
      await quitLeavesNothing(mac);
    } finally {
      mac.kill();
    }
  });

  it('a second launch, a tray click and Open Dashboard show the dashboard; closing hides it; Quit leaves no process behind', async () => {
    const overview = `${origin()}/#/`;
    const shows = async () => (await loadedUrls(shell)).filter((u) => u === overview).length;
    const n = await shows();
    await shell.request({ op: 'emitApp', event: 'second-instance' });
    await waitFor('the overview (second launch)', async () => (await shows()) === n + 1);
    await shell.request({ op: 'clickTray' });
    await waitFor('the overview (tray click)', async () => (await shows()) === n + 2);
    await shell.clickMenu('^Open Dashboard$');
    await waitFor('the overview (menu)', async () => (await shows()) === n + 3);
    const hides = (await shell.callsTo('BrowserWindow.hide')).length;
    assert.deepEqual(await shell.request({ op: 'closeWindow' }), { prevented: true });
    assert.equal(
      (await shell.callsTo('BrowserWindow.hide')).length,
      hides + 1,
      'closing hides it: the app lives in the tray',
    );
    await quitLeavesNothing(shell);
  });
});

describe('first launch without an agent (real systemd)', () => {
  const taken = existsSync(path.join(UNIT_DIR, 'vigil-agent.service'));
  const skip = taken
    ? `a vigil-agent.service is already installed for this user (${UNIT_DIR}): this test installs its own and would replace it`
    : false;
  let t: TestHome;
  let shell: DesktopShell;

  before(async () => {
    if (skip) return;
    t = await makeHome('vigil-shell-first-');
  });
  after(async () => {
    if (skip) return;
    shell?.kill();
    await t.vigil(['agent', 'uninstall']).catch(() => undefined);
    await t.cleanup();
  });

  it(
    'offers to install the agent; answered yes, the agent comes up and the tray connects',
    { skip },
    async () => {
      const port = await freePort();
      mkdirSync(t.env.VIGIL_HOME!, { recursive: true });
      shell = startShell(shellEnv(t, { VIGIL_UI_PORT: String(port) }));
      await waitForTray(shell, 'no agent', (l) => /The Vigil agent is not running/.test(l.tooltip));
      const offer = await waitFor(
        'the install offer',
        async () => (await shell.callsTo('dialog.showMessageBox'))[0],
      );
      const options = offer.args[0] as { buttons: string[]; message: string; defaultId: number };
      assert.deepEqual(options.buttons, ['Install and Start', 'Not Now']);
      assert.equal(options.message, 'Vigil’s agent is not running');
      await shell.request({ op: 'answerDialog', index: 0, response: options.defaultId });
      const look = await waitForTray(
        shell,
        'connected to the new agent',
        (l) => /No services yet/.test(l.tooltip),
        60_000,
      );
      assert.equal(look.icon, 'tray-ok.png');
      const active = await run('systemctl', ['--user', 'is-active', 'vigil-agent.service'], t.env, {});
      assert.equal(active.stdout.trim(), 'active');
      const unit = readFileSync(path.join(UNIT_DIR, 'vigil-agent.service'), 'utf8');
      assert.match(unit, new RegExp(`"--http" "127\\.0\\.0\\.1:${port}"`));
      assert.match(unit, new RegExp(`X-Vigil-Home=${t.env.VIGIL_HOME}`));
      assert.equal((await shell.menu()).find((m) => m.label === 'Open Dashboard')?.enabled, true);
      const errors: Call[] = await shell.callsTo('dialog.showErrorBox');
      assert.deepEqual(errors, []);
      await quitLeavesNothing(shell);
      const still = await run('systemctl', ['--user', 'is-active', 'vigil-agent.service'], t.env, {});
      assert.equal(still.stdout.trim(), 'active', 'the agent keeps running when the app quits');
    },
  );
});
