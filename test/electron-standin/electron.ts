/**
 * A stand-in for the `electron` module, for tests only (hooks.mjs resolves 'electron' to this file).
 * A recorder, not a simulation: it implements exactly the API that electron/ uses, records every call
 * (and every listener registered), and keeps the live objects (menus, notifications, dialogs, handlers)
 * so that a test can click, answer and call them the way Electron would. Each export is typed against
 * the real Electron definitions: a member the real API does not have fails to compile (see Exact).
 */
import { EventEmitter } from 'node:events';
import type * as Self from './electron.js';

/** true when T has no key that Real lacks: the stand-in invents nothing. */
type Exact<T, Real> = [Exclude<keyof T, keyof Real>] extends [never] ? true : false;

export interface Call {
  api: string;
  args: unknown[];
}

type PermissionRequestHandler = NonNullable<Parameters<Electron.Session['setPermissionRequestHandler']>[0]>;
type PermissionCheckHandler = NonNullable<Parameters<Electron.Session['setPermissionCheckHandler']>[0]>;
type IpcHandler = Parameters<Electron.IpcMain['handle']>[1];
type WindowOpenHandler = Parameters<Electron.WebContents['setWindowOpenHandler']>[0];

export interface PendingDialog {
  options: Electron.MessageBoxOptions;
  answer: (response: number) => void;
  answered: boolean;
}

/** What the test reads and drives. Not part of the electron API (the driver, control.ts, uses it). */
export const recorder = {
  calls: [] as Call[],
  trays: [] as TrayStandin[],
  notifications: [] as NotificationStandin[],
  windows: [] as BrowserWindowStandin[],
  webContents: [] as WebContentsStandin[],
  dialogs: [] as PendingDialog[],
  ipcHandlers: new Map<string, IpcHandler>(),
  permissionRequest: null as PermissionRequestHandler | null,
  permissionCheck: null as PermissionCheckHandler | null,
  windowOpen: new Map<WebContentsStandin, WindowOpenHandler>(),
  exposed: new Map<string, unknown>(),
  menus: new WeakMap<MenuStandin, Electron.MenuItemConstructorOptions[]>(),
  images: new WeakMap<NativeImageStandin, { path: string; template: boolean }>(),
  windowUrl: new WeakMap<BrowserWindowStandin, string>(),
  loginItem: { openAtLogin: false },
  lastContextMenu: null as MenuStandin | null,
};

/** A call's arguments as plain data (functions, images and menus named, not copied). */
export function plain(v: unknown, depth = 0): unknown {
  if (typeof v === 'function') return '[function]';
  if (v instanceof NativeImageStandin) return { image: recorder.images.get(v) };
  if (v instanceof MenuStandin) return { menu: plain(recorder.menus.get(v), depth + 1) };
  if (v instanceof EventEmitter) return `[${v.constructor.name}]`;
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v !== null && typeof v === 'object' && depth < 12)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, depth + 1)]));
  return v;
}

function record(api: string, args: unknown[]): void {
  recorder.calls.push({ api, args: plain(args) as unknown[] });
}

/** Records every listener registered on an emitter (`Tray.on click`). */
function recordListeners(emitter: EventEmitter, name: string): void {
  emitter.on('newListener', (event: string | symbol) => record(`${name}.on`, [String(event)]));
}

/** An Electron.Event the way listeners see it. */
export function electronEvent(): Electron.Event {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true;
    },
  };
  return e;
}

class NativeImageStandin implements Pick<Electron.NativeImage, 'setTemplateImage' | 'isTemplateImage'> {
  setTemplateImage(option: boolean): void {
    record('NativeImage.setTemplateImage', [option]);
    recorder.images.get(this)!.template = option;
  }
  isTemplateImage(): boolean {
    record('NativeImage.isTemplateImage', []);
    return recorder.images.get(this)!.template;
  }
}
const _image: Exact<NativeImageStandin, Electron.NativeImage> = true;

export const nativeImage = {
  createFromPath(path: string): Electron.NativeImage {
    record('nativeImage.createFromPath', [path]);
    const img = new NativeImageStandin();
    recorder.images.set(img, { path, template: false });
    return img as unknown as Electron.NativeImage;
  },
} satisfies Pick<typeof Electron.NativeImage, 'createFromPath'>;

/** Menu items live in recorder.menus; listeners (EventEmitter's) are typed by the real API at the call site. */
class MenuStandin extends EventEmitter {}
const _menu: Exact<MenuStandin, Electron.Menu> = true;

export const Menu = {
  buildFromTemplate(template: Array<Electron.MenuItemConstructorOptions | Electron.MenuItem>): Electron.Menu {
    record('Menu.buildFromTemplate', [template]);
    const menu = new MenuStandin();
    recorder.menus.set(menu, template as Electron.MenuItemConstructorOptions[]);
    return menu as unknown as Electron.Menu;
  },
} satisfies Pick<typeof Electron.Menu, 'buildFromTemplate'>;

class TrayStandin
  extends EventEmitter
  implements Pick<Electron.Tray, 'setImage' | 'setToolTip' | 'setTitle' | 'setContextMenu'>
{
  constructor(image: Electron.NativeImage | string, guid?: string) {
    super();
    record('new Tray', [image, guid]);
    recordListeners(this, 'Tray');
    recorder.trays.push(this);
  }
  setImage(image: Electron.NativeImage | string): void {
    record('Tray.setImage', [image]);
  }
  setToolTip(toolTip: string): void {
    record('Tray.setToolTip', [toolTip]);
  }
  setTitle(title: string, options?: Electron.TitleOptions): void {
    record('Tray.setTitle', [title, options]);
  }
  setContextMenu(menu: Electron.Menu | null): void {
    record('Tray.setContextMenu', [menu]);
    recorder.lastContextMenu = menu as unknown as MenuStandin | null;
  }
}
const _tray: Exact<TrayStandin, Electron.Tray> = true;
export { TrayStandin as Tray };

class NotificationStandin extends EventEmitter implements Pick<Electron.Notification, 'show'> {
  static isSupported(): boolean {
    record('Notification.isSupported', []);
    return true;
  }
  readonly options: Electron.NotificationConstructorOptions | undefined;
  constructor(options?: Electron.NotificationConstructorOptions) {
    super();
    record('new Notification', [options]);
    recordListeners(this, 'Notification');
    this.options = options;
    recorder.notifications.push(this);
  }
  show(): void {
    record('Notification.show', [this.options?.title]);
  }
}
// `options` mirrors the constructor argument; the real Notification has it as title, body… properties.
const _note: Exact<Omit<NotificationStandin, 'options'>, Electron.Notification> = true;
const _noteStatic: Exact<Omit<typeof NotificationStandin, 'prototype'>, typeof Electron.Notification> = true;
export { NotificationStandin as Notification };

class WebContentsStandin extends EventEmitter implements Pick<Electron.WebContents, 'setWindowOpenHandler'> {
  constructor() {
    super();
    recordListeners(this, 'WebContents');
    recorder.webContents.push(this);
  }
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    record('WebContents.setWindowOpenHandler', [handler]);
    recorder.windowOpen.set(this, handler);
  }
}
const _wc: Exact<WebContentsStandin, Electron.WebContents> = true;

class BrowserWindowStandin
  extends EventEmitter
  implements Pick<Electron.BrowserWindow, 'loadURL' | 'show' | 'focus' | 'hide' | 'webContents'>
{
  readonly webContents: Electron.WebContents;
  constructor(options?: Electron.BrowserWindowConstructorOptions) {
    super();
    record('new BrowserWindow', [options]);
    recordListeners(this, 'BrowserWindow');
    recorder.windows.push(this);
    const wc = new WebContentsStandin();
    this.webContents = wc as unknown as Electron.WebContents;
    // A new window's contents are announced to the app, as Electron does.
    app.emit('web-contents-created', electronEvent(), wc);
  }
  async loadURL(url: string, options?: Electron.LoadURLOptions): Promise<void> {
    record('BrowserWindow.loadURL', [url, options]);
    recorder.windowUrl.set(this, url);
  }
  show(): void {
    record('BrowserWindow.show', []);
  }
  focus(): void {
    record('BrowserWindow.focus', []);
  }
  hide(): void {
    record('BrowserWindow.hide', []);
  }
}
const _win: Exact<BrowserWindowStandin, Electron.BrowserWindow> = true;
export { BrowserWindowStandin as BrowserWindow };

const dockStandin = {
  hide(): void {
    record('app.dock.hide', []);
  },
} satisfies Pick<Electron.Dock, 'hide'>;

class AppStandin
  extends EventEmitter
  implements
    Pick<
      Electron.App,
      | 'requestSingleInstanceLock'
      | 'quit'
      | 'whenReady'
      | 'getLoginItemSettings'
      | 'setLoginItemSettings'
      | 'isPackaged'
    >
{
  readonly isPackaged = false;
  /** macOS only, as in Electron. */
  readonly dock: Pick<Electron.Dock, 'hide'> | undefined =
    process.platform === 'darwin' ? dockStandin : undefined;
  constructor() {
    super();
    recordListeners(this, 'app');
  }
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    record('app.requestSingleInstanceLock', [additionalData]);
    return true;
  }
  /** Electron emits these on quit (and then ends the process: here the test sees whether it ends by itself). */
  quit(): void {
    record('app.quit', []);
    this.emit('before-quit', electronEvent());
    this.emit('will-quit', electronEvent());
    this.emit('quit', electronEvent(), 0);
  }
  whenReady(): Promise<void> {
    record('app.whenReady', []);
    return Promise.resolve();
  }
  getLoginItemSettings(options?: Electron.LoginItemSettingsOptions): Electron.LoginItemSettings {
    record('app.getLoginItemSettings', [options]);
    return {
      openAtLogin: recorder.loginItem.openAtLogin,
      openAsHidden: false,
      wasOpenedAtLogin: false,
      wasOpenedAsHidden: false,
      restoreState: false,
      status: recorder.loginItem.openAtLogin ? 'enabled' : 'not-registered',
      executableWillLaunchAtLogin: recorder.loginItem.openAtLogin,
      launchItems: [],
    };
  }
  setLoginItemSettings(settings: Electron.Settings): void {
    record('app.setLoginItemSettings', [settings]);
    if (settings.openAtLogin !== undefined) recorder.loginItem.openAtLogin = settings.openAtLogin;
  }
}
const _app: Exact<AppStandin, Electron.App> = true;
export const app = new AppStandin();

export const dialog = {
  showErrorBox(title: string, content: string): void {
    record('dialog.showErrorBox', [title, content]);
  },
  /** Stays open until the test answers it (recorder.dialogs). */
  showMessageBox(
    ...args: [Electron.MessageBoxOptions] | [Electron.BaseWindow, Electron.MessageBoxOptions]
  ): Promise<Electron.MessageBoxReturnValue> {
    record('dialog.showMessageBox', args);
    const options = args.length === 1 ? args[0] : args[1];
    return new Promise((resolve) => {
      const d: PendingDialog = {
        options,
        answered: false,
        answer: (response) => {
          d.answered = true;
          resolve({ response, checkboxChecked: false });
        },
      };
      recorder.dialogs.push(d);
    });
  },
} satisfies Pick<Electron.Dialog, 'showErrorBox' | 'showMessageBox'>;

export const ipcMain = {
  handle(channel: string, listener: IpcHandler): void {
    record('ipcMain.handle', [channel, listener]);
    recorder.ipcHandlers.set(channel, listener);
  },
} satisfies Pick<Electron.IpcMain, 'handle'>;

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
      record('session.defaultSession.setPermissionRequestHandler', [handler]);
      recorder.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
      record('session.defaultSession.setPermissionCheckHandler', [handler]);
      recorder.permissionCheck = handler;
    },
  } satisfies Pick<Electron.Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>,
};
const _session: Exact<typeof session, typeof Electron.Session> = true;

export const shell = {
  async openExternal(url: string, options?: Electron.OpenExternalOptions): Promise<void> {
    record('shell.openExternal', [url, options]);
  },
} satisfies Pick<Electron.Shell, 'openExternal'>;

/** The preload's side (electron/preload.cts). */
export const contextBridge = {
  exposeInMainWorld(apiKey: string, api: unknown): void {
    record('contextBridge.exposeInMainWorld', [apiKey, api]);
    recorder.exposed.set(apiKey, api);
  },
} satisfies Pick<Electron.ContextBridge, 'exposeInMainWorld'>;

export const ipcRenderer = {
  /**
   * Reaches the handler ipcMain registered for the channel, with the sender frame at the window's URL, as
   * Electron's IPC does; with no handler it rejects with Electron's message.
   */
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    record('ipcRenderer.invoke', [channel, ...args]);
    const handler = recorder.ipcHandlers.get(channel);
    if (!handler)
      throw new Error(`Error invoking remote method '${channel}': No handler registered for '${channel}'`);
    const win = recorder.windows.at(-1);
    const url = win ? (recorder.windowUrl.get(win) ?? '') : '';
    return handler({ senderFrame: { url } } as Electron.IpcMainInvokeEvent, ...args);
  },
} satisfies Pick<Electron.IpcRenderer, 'invoke'>;

/** Every export is a real one of 'electron' (bar the recorder and its helpers). */
type StandinExports = Omit<typeof Self, 'recorder' | 'plain' | 'electronEvent'>;
const _exports: Exact<StandinExports, typeof Electron.CrossProcessExports> = true;
void [_session, _image, _menu, _tray, _note, _noteStatic, _wc, _win, _app, _exports];
