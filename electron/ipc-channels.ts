/**
 * The IPC channels between the dashboard's preload (preload.cts) and the main process (main.ts), named
 * once. main.ts imports IPC_CHANNELS; the preload cannot (a sandboxed preload may require only 'electron'),
 * so it imports the type and writes each name as a literal of that type: a name that differs from this
 * one does not compile.
 */
export const IPC_CHANNELS = {
  /** () → boolean: whether the app starts at login. */
  getStartAtLogin: 'vigil:get-start-at-login',
  /** (on: boolean) → boolean: sets it; answers what it is now. */
  setStartAtLogin: 'vigil:set-start-at-login',
} as const;

export type IpcChannels = typeof IPC_CHANNELS;
