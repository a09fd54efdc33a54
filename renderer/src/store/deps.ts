/** What the store needs from the outside world, injected (the browser's, or fakes in node tests). */
import type { Api } from '../api/client.js';
import type { KeyStore, StorageLike } from '../api/session-key.js';
import type { DesktopBridge } from '../desktop.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export interface StoreDeps {
  api: Api;
  keys: KeyStore;
  now: () => number;
  timers: Timers;
  /** Sets location.hash (the router); absent in tests. */
  setHash?: (hash: string) => void;
  /** The desktop app's bridge, when running inside it. */
  desktop?: DesktopBridge | null;
  /** Where small preferences live (localStorage; acknowledged alerts). */
  storage?: StorageLike;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (t) => globalThis.clearTimeout(t as ReturnType<typeof setTimeout>),
};
