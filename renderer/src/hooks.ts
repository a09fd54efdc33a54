/** React glue: the store in a context, narrow subscriptions, a ticking clock. */
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from './store/index.js';

export const StoreContext = createContext<AppStore | null>(null);

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('StoreContext is missing');
  return store;
}

/** Subscribes to one slice of state; re-renders only when the selected value changes (Object.is). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

/**
 * The store's actions. Returns the same object for the store's lifetime (the first state: its functions
 * never change), so it is safe in effect dependencies; never read data from it (use useApp).
 */
export function useActions(): AppState {
  const store = useAppStore();
  return useMemo(() => store.getState(), [store]);
}

/** The current time, updated every `ms` (for uptimes and "ago"). */
export function useNow(ms = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
