/**
 * The page's only window into the desktop: start at login, nothing else (see renderer/src/desktop.ts).
 * Sandboxed preload scripts are CommonJS and may require only 'electron' (and a few built-ins).
 */
import type { DesktopBridge } from '../renderer/src/desktop.js';
import type * as Electron from 'electron';
import type { IpcChannels } from './ipc-channels.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as typeof Electron;

// The names of ipc-channels.ts, checked against it (this sandboxed script cannot require that module).
const GET_START_AT_LOGIN: IpcChannels['getStartAtLogin'] = 'vigil:get-start-at-login';
const SET_START_AT_LOGIN: IpcChannels['setStartAtLogin'] = 'vigil:set-start-at-login';

const bridge: DesktopBridge = {
  platform: process.platform,
  getStartAtLogin: () => ipcRenderer.invoke(GET_START_AT_LOGIN) as Promise<boolean>,
  setStartAtLogin: (on: boolean) => ipcRenderer.invoke(SET_START_AT_LOGIN, on === true) as Promise<boolean>,
};

contextBridge.exposeInMainWorld('vigilDesktop', bridge);
