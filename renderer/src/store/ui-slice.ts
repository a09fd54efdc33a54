/** Where the user is (the route) and passing messages (toasts). */
import type { StateCreator } from 'zustand/vanilla';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { formatHash, type Route } from './route.js';

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
}

export interface UiSlice {
  route: Route;
  toasts: Toast[];
  /** Changes the route (and the location hash). */
  navigate(route: Route): void;
  /** Follows a hash change made by the browser (back/forward, links). */
  routeChanged(route: Route): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
}

const MAX_TOASTS = 4;
const TOAST_MS = 6_000;

export const createUiSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], UiSlice> =>
  (set, get) => {
    let nextId = 1;
    return {
      route: { view: 'overview' },
      toasts: [],
      navigate(route) {
        set({ route });
        deps.setHash?.(formatHash(route));
      },
      routeChanged(route) {
        const cur = get().route;
        if (formatHash(cur) !== formatHash(route)) set({ route });
      },
      toast(kind, text) {
        const id = nextId++;
        set((s) => ({ toasts: [...s.toasts, { id, kind, text }].slice(-MAX_TOASTS) }));
        deps.timers.setTimeout(() => get().dismissToast(id), kind === 'error' ? TOAST_MS * 2 : TOAST_MS);
      },
      dismissToast(id) {
        set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
      },
    };
  };
