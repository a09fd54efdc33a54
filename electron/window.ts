/**
 * The dashboard window: the agent's own UI, signed in with a one-time login link, and locked down —
 * context isolation, sandbox, no Node, navigation only within the agent's origin, no new windows, no
 * permissions, no webviews. Closing it hides it (the app lives in the tray).
 */
import { BrowserWindow, app, session, shell, type WebContents } from 'electron';
import { fileURLToPath } from 'node:url';
import { WEB_PREFERENCES, isAllowedNavigation, isExternalLink } from './navigation.js';

export interface DashboardDeps {
  /** A fresh one-time login URL from the agent. */
  loginUrl: () => Promise<string>;
}

let win: BrowserWindow | null = null;
let origin: string | null = null;
let quitting = false;

app.on('before-quit', () => {
  quitting = true;
});

/** Applies the rules to every web contents the app ever creates. Call once, before any window. */
export function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents: WebContents) => {
    const guard = (event: { preventDefault(): void }, url: string): void => {
      if (origin !== null && isAllowedNavigation(url, origin)) return;
      event.preventDefault();
    };
    contents.on('will-navigate', guard);
    contents.on('will-redirect', guard);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url) && (origin === null || !isAllowedNavigation(url, origin)))
        void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

export function dashboardOrigin(): string | null {
  return origin;
}

/** Shows the dashboard at a route (`#/usage`), signing in first when the window is new. */
export async function openDashboard(deps: DashboardDeps, route = '#/'): Promise<void> {
  if (win !== null && origin !== null) {
    await win.loadURL(`${origin}/${route}`);
    win.show();
    win.focus();
    return;
  }
  const login = await deps.loginUrl();
  origin = new URL(login).origin;
  win = new BrowserWindow({
    width: 1240,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Vigil',
    autoHideMenuBar: true,
    webPreferences: { ...WEB_PREFERENCES, preload: fileURLToPath(new URL('./preload.cjs', import.meta.url)) },
  });
  win.on('close', (e) => {
    if (quitting) return;
    e.preventDefault();
    win?.hide();
  });
  win.on('closed', () => {
    win = null;
  });
  win.once('ready-to-show', () => win?.show());
  await win.loadURL(login);
  if (route !== '#/') await win.loadURL(`${origin}/${route}`);
}
