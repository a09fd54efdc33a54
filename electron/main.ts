/**
 * Vigil's desktop shell: a tray (menu-bar) app over the Vigil agent. One instance; no Dock icon on
 * macOS; the tray shows the worst state (ok / warning / down) and, on macOS, today's spend; its menu is
 * built from the agent's state by a pure function (tray-menu.ts); agent events become notifications;
 * the dashboard window shows the agent's own web UI. On first launch without an agent, it offers to
 * install and start one, then reconnects by itself (also whenever the agent restarts).
 */
import {
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  ipcMain,
  nativeImage,
  type MenuItemConstructorOptions,
} from 'electron';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vigilPaths } from '../agent/core/paths.js';
import { AgentLink } from './agent-link.js';
import { noticeFor } from './notify.js';
import { autostartEntry } from './navigation.js';
import {
  buildTrayMenu,
  trayIcon,
  trayIconFile,
  trayTitle,
  trayTooltip,
  type MenuItemSpec,
  type TrayAction,
  type TrayState,
} from './tray-menu.js';
import { DEFAULT_UI_PORT, runCli, vigilCommand } from './vigil-cli.js';
import { dashboardOrigin, lockDown, openDashboard } from './window.js';
import { IPC_CHANNELS } from './ipc-channels.js';

const RESOURCES = fileURLToPath(new URL('../../resources/', import.meta.url));
const AUTOSTART = path.join(
  process.env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'),
  'autostart',
  'vigil.desktop',
);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(start);
}

function startAtLogin(): boolean {
  return process.platform === 'linux' ? existsSync(AUTOSTART) : app.getLoginItemSettings().openAtLogin;
}

function setStartAtLogin(on: boolean): boolean {
  if (process.platform === 'linux') {
    if (on) {
      mkdirSync(path.dirname(AUTOSTART), { recursive: true });
      const exec = app.isPackaged ? [process.execPath] : [process.execPath, fileURLToPath(import.meta.url)];
      writeFileSync(AUTOSTART, autostartEntry(exec));
    } else rmSync(AUTOSTART, { force: true });
  } else app.setLoginItemSettings({ openAtLogin: on });
  return startAtLogin();
}

async function start(): Promise<void> {
  if (process.platform === 'darwin') app.dock?.hide();
  lockDown();
  const paths = vigilPaths(process.env);
  let state: TrayState = {
    connection: 'connecting',
    problem: null,
    services: [],
    budget: null,
    budgetLifted: false,
    startAtLogin: startAtLogin(),
    platform: process.platform,
  };
  const tray = new Tray(icon(state));
  let askedToInstall = false;
  // `--open` (or a second launch) shows the dashboard as soon as the agent answers.
  let openWhenConnected = process.argv.includes('--open');

  const link = new AgentLink({
    socketPath: paths.socket,
    onChange: (s) => {
      state = { ...state, ...s };
      // Only a first launch offers the install: an agent seen once and gone later is restarting.
      if (s.connection !== 'no-agent') askedToInstall = true;
      render();
      if (s.connection === 'connected' && openWhenConnected) {
        openWhenConnected = false;
        void show('#/');
      }
      if (s.connection === 'no-agent' && !askedToInstall) {
        askedToInstall = true;
        void offerInstall();
      }
    },
    onEvent: (e) => {
      const n = noticeFor(e);
      if (n === null || !Notification.isSupported()) return;
      const note = new Notification({
        title: n.title,
        body: n.body,
        urgency: n.urgency,
        silent: n.urgency !== 'critical',
      });
      note.on('click', () => void show(n.route));
      note.show();
    },
  });

  function icon(s: TrayState): Electron.NativeImage {
    const img = nativeImage.createFromPath(path.join(RESOURCES, trayIconFile(trayIcon(s), s.platform)));
    if (s.platform === 'darwin') img.setTemplateImage(true);
    return img;
  }

  function toElectron(items: MenuItemSpec[]): MenuItemConstructorOptions[] {
    return items.map((i) => ({
      ...(i.label !== undefined ? { label: i.label } : {}),
      type: i.type ?? 'normal',
      ...(i.enabled !== undefined ? { enabled: i.enabled } : {}),
      ...(i.checked !== undefined ? { checked: i.checked } : {}),
      ...(i.submenu ? { submenu: toElectron(i.submenu) } : {}),
      ...(i.action ? { click: () => void act(i.action!) } : {}),
    }));
  }

  function render(): void {
    tray.setImage(icon(state));
    tray.setToolTip(trayTooltip(state));
    if (state.platform === 'darwin') tray.setTitle(trayTitle(state));
    tray.setContextMenu(Menu.buildFromTemplate(toElectron(buildTrayMenu(state))));
  }

  async function show(route: string): Promise<void> {
    try {
      await openDashboard({ loginUrl: () => link.loginUrl() }, route);
    } catch (err) {
      dialog.showErrorBox('Vigil', `Cannot open the dashboard: ${(err as Error).message}`);
    }
  }

  async function installAgent(): Promise<void> {
    const port = Number(process.env.VIGIL_UI_PORT ?? DEFAULT_UI_PORT);
    try {
      await runCli(
        vigilCommand(['agent', 'install', '--http', `127.0.0.1:${port}`], {
          packaged: app.isPackaged,
          execPath: process.execPath,
          env: process.env,
        }),
      );
      link.start();
    } catch (err) {
      dialog.showErrorBox('Vigil', `The agent could not be installed: ${(err as Error).message}`);
    }
  }

  async function offerInstall(): Promise<void> {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons: ['Install and Start', 'Not Now'],
      defaultId: 0,
      cancelId: 1,
      message: 'Vigil’s agent is not running',
      detail:
        'The agent is a small background service that watches your services, records what happens and serves this app. Install it as a user service and start it now? It keeps running when this app is closed.',
    });
    if (response === 0) await installAgent();
  }

  async function act(a: TrayAction): Promise<void> {
    try {
      switch (a.kind) {
        case 'open':
          return await show(a.route);
        case 'restart':
          return await link.restart(a.service);
        case 'resume-budget':
        case 'pause-budget':
          await link.resumeBudget();
          return;
        case 'raise-budget':
          await link.resumeBudget(a.addUsd);
          return;
        case 'toggle-start-at-login':
          state = { ...state, startAtLogin: setStartAtLogin(!state.startAtLogin) };
          return render();
        case 'install-agent':
          return await installAgent();
        case 'quit':
          link.stop();
          app.quit();
      }
    } catch (err) {
      dialog.showErrorBox('Vigil', (err as Error).message);
    }
  }

  // The page may ask for exactly two things, and only from the agent's own origin.
  const fromDashboard = (e: Electron.IpcMainInvokeEvent): boolean => {
    const o = dashboardOrigin();
    try {
      return o !== null && new URL(e.senderFrame?.url ?? '').origin === o;
    } catch {
      return false;
    }
  };
  ipcMain.handle(IPC_CHANNELS.getStartAtLogin, (e) => (fromDashboard(e) ? startAtLogin() : false));
  ipcMain.handle(IPC_CHANNELS.setStartAtLogin, (e, on: unknown) => {
    if (!fromDashboard(e)) return startAtLogin();
    state = { ...state, startAtLogin: setStartAtLogin(on === true) };
    render();
    return state.startAtLogin;
  });

  app.on('second-instance', () => void show('#/'));
  app.on('window-all-closed', () => undefined); // a tray app stays when its window closes
  tray.on('click', () => {
    if (process.platform !== 'darwin') void show('#/');
  });
  render();
  link.start();
}
