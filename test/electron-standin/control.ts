/**
 * The test's hands inside the shell's process: requests over the IPC channel of a spawned child
 * (test/helpers/desktop-shell.ts sends them), answered from the stand-in's recorder — read the calls,
 * click a menu item or a notification, answer a dialog, fire a window's navigation events and handlers,
 * load the preload and call its bridge. It only triggers what Electron itself would; what happens next is
 * the shell's own code.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import * as standin from './electron.js';
import { electronEvent, plain, recorder } from './electron.js';

export interface MenuEntry {
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  clickable: boolean;
  submenu?: MenuEntry[];
}

type Request =
  | { op: 'calls'; from: number }
  | { op: 'menu' }
  | { op: 'clickMenu'; path: string[] }
  | { op: 'clickTray' }
  | { op: 'clickNotification'; index: number }
  | { op: 'answerDialog'; index: number; response: number }
  | { op: 'emitApp'; event: string }
  | { op: 'closeWindow' }
  | { op: 'navigate'; event: 'will-navigate' | 'will-redirect' | 'will-attach-webview'; url: string }
  | { op: 'windowOpen'; url: string }
  | { op: 'permission'; permission: string }
  | { op: 'permissionCheck'; permission: string }
  | { op: 'ipcInvoke'; channel: string; args: unknown[]; senderUrl: string }
  | { op: 'loadPreload'; file: string }
  | { op: 'bridge'; key: string; method: string; args: unknown[] };

type Template = Electron.MenuItemConstructorOptions[];

function entries(t: Template): MenuEntry[] {
  return t.map((i) => ({
    ...(i.label !== undefined ? { label: i.label } : {}),
    ...(i.type !== undefined ? { type: i.type } : {}),
    ...(i.enabled !== undefined ? { enabled: i.enabled } : {}),
    ...(i.checked !== undefined ? { checked: i.checked } : {}),
    clickable: typeof i.click === 'function',
    ...(Array.isArray(i.submenu) ? { submenu: entries(i.submenu as Template) } : {}),
  }));
}

/** The menu the tray shows now (its last setContextMenu). */
function currentMenu(): Template {
  const menu = recorder.lastContextMenu;
  if (!menu) throw new Error('the tray has no context menu yet');
  return recorder.menus.get(menu)!;
}

function lastWebContents(): (typeof recorder.webContents)[number] {
  const wc = recorder.webContents.at(-1);
  if (!wc) throw new Error('no window has been created');
  return wc;
}

async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'calls':
      return recorder.calls.slice(r.from);
    case 'menu':
      return entries(currentMenu());
    case 'clickMenu': {
      let items = currentMenu();
      let item: Electron.MenuItemConstructorOptions | undefined;
      for (const [depth, pattern] of r.path.entries()) {
        const re = new RegExp(pattern);
        item = items.find((i) => i.label !== undefined && re.test(i.label));
        if (!item)
          throw new Error(
            `no menu item matching /${pattern}/ at depth ${depth}; the items are: ${items.map((i) => JSON.stringify(i.label ?? i.type)).join(', ')}`,
          );
        items = Array.isArray(item.submenu) ? (item.submenu as Template) : [];
      }
      if (item?.enabled === false) throw new Error(`menu item "${item.label}" is disabled`);
      if (typeof item?.click !== 'function')
        throw new Error(`menu item "${item?.label}" does nothing when clicked`);
      // Electron passes (menuItem, focusedWindow, event); the shell's handlers use none of them.
      item.click(item as unknown as Electron.MenuItem, undefined, {} as Electron.KeyboardEvent);
      return item.label;
    }
    case 'clickTray': {
      const tray = recorder.trays.at(-1);
      if (!tray) throw new Error('no tray');
      return tray.emit('click', {}, { x: 0, y: 0, width: 16, height: 16 }, { x: 0, y: 0 });
    }
    case 'clickNotification': {
      const n = recorder.notifications[r.index];
      if (!n) throw new Error(`no notification #${r.index} (${recorder.notifications.length} shown)`);
      if (n.listenerCount('click') === 0)
        throw new Error(`notification "${n.options?.title}" has no click handler`);
      return n.emit('click', electronEvent());
    }
    case 'answerDialog': {
      const d = recorder.dialogs[r.index];
      if (!d) throw new Error(`no dialog #${r.index} (${recorder.dialogs.length} shown)`);
      if (d.answered) throw new Error(`dialog #${r.index} was already answered`);
      d.answer(r.response);
      return plain(d.options);
    }
    case 'emitApp':
      return standin.app.emit(r.event, electronEvent());
    case 'closeWindow': {
      // The user closes the window (its close button): listeners may prevent it, as in Electron.
      const win = recorder.windows.at(-1);
      if (!win) throw new Error('no window has been created');
      const e = electronEvent();
      win.emit('close', e);
      return { prevented: e.defaultPrevented };
    }
    case 'navigate': {
      const e = electronEvent();
      if (r.event === 'will-attach-webview') lastWebContents().emit(r.event, e, {}, {});
      else lastWebContents().emit(r.event, e, r.url);
      return { prevented: e.defaultPrevented };
    }
    case 'windowOpen': {
      const wc = lastWebContents();
      const handler = recorder.windowOpen.get(wc);
      if (!handler) throw new Error('the window has no window-open handler');
      return handler({
        url: r.url,
        frameName: '',
        features: '',
        disposition: 'new-window',
        referrer: { url: '', policy: 'strict-origin-when-cross-origin' },
      });
    }
    case 'permission': {
      const h = recorder.permissionRequest;
      if (!h) throw new Error('no permission request handler');
      return new Promise<boolean>((resolve) =>
        h(
          lastWebContentsOrNull() as unknown as Electron.WebContents,
          r.permission as Parameters<typeof h>[1],
          resolve,
          { requestingUrl: 'https://example.com/', isMainFrame: true } as Parameters<typeof h>[3],
        ),
      );
    }
    case 'permissionCheck': {
      const h = recorder.permissionCheck;
      if (!h) throw new Error('no permission check handler');
      return h(
        null,
        r.permission as Parameters<typeof h>[1],
        'https://example.com',
        {} as Parameters<typeof h>[3],
      );
    }
    case 'ipcInvoke': {
      const h = recorder.ipcHandlers.get(r.channel);
      if (!h) throw new Error(`no ipcMain handler for ${r.channel}`);
      return h({ senderFrame: { url: r.senderUrl } } as Electron.IpcMainInvokeEvent, ...r.args);
    }
    case 'loadPreload': {
      // A sandboxed preload gets a require that knows 'electron' only (Electron's own sandbox bundle).
      const src = readFileSync(r.file, 'utf8');
      const fn = vm.runInThisContext(
        `(function (exports, require, module, __filename, __dirname) {${src}\n})`,
        {
          filename: r.file,
        },
      ) as (...a: unknown[]) => void;
      const module = { exports: {} };
      const sandboxRequire = (id: string): unknown => {
        if (id === 'electron') return standin;
        throw new Error(`a sandboxed preload cannot require '${id}'`);
      };
      fn(module.exports, sandboxRequire, module, r.file, '.');
      return [...recorder.exposed.entries()].map(([key, api]) => ({
        key,
        members: Object.fromEntries(Object.entries(api as object).map(([k, v]) => [k, typeof v])),
      }));
    }
    case 'bridge': {
      const api = recorder.exposed.get(r.key) as Record<string, unknown> | undefined;
      if (!api) throw new Error(`nothing exposed as window.${r.key}`);
      const f = api[r.method];
      if (typeof f !== 'function') throw new Error(`window.${r.key}.${r.method} is not a function`);
      return await (f as (...a: unknown[]) => unknown)(...r.args);
    }
  }
}

function lastWebContentsOrNull(): unknown {
  return recorder.webContents.at(-1) ?? null;
}

process.on('message', (msg: { id: number } & Request) => {
  handle(msg).then(
    (value) => process.send?.({ id: msg.id, ok: true, value: plain(value) }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.message }),
  );
});
// The channel does not keep the process alive: after Quit, the shell must end by itself.
process.channel?.unref();
