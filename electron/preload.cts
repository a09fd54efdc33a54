/**
 * The page's only window into the desktop: start at login, nothing else (see renderer/src/desktop.ts).
 * Sandboxed preload scripts are CommonJS and may require only 'electron' (and a few built-ins).
 */
import type { DesktopBridge } from '../renderer/src/desktop.js';
import type * as Electron from 'electron';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as typeof Electron;

const bridge: DesktopBridge = {
  platform: process.platform,
  getStartAtLogin: () => ipcRenderer.invoke('vigil:get-start-at-login') as Promise<boolean>,
  setStartAtLogin: (on: boolean) => ipcRenderer.invoke('vigil:set-start-at-login', on === true) as Promise<boolean>,
};

contextBridge.exposeInMainWorld('vigilDesktop', bridge);
