/**
 * The browser half of a session: the ticket and key the login redirect hands over in the URL fragment
 * (`/#key=<ticket>~<key>`), kept in this page's memory only. Not in localStorage nor sessionStorage:
 * both outlive the page, and a page a port squatter serves on the same origin (after a reload while the
 * agent is down) could read them. A reload therefore asks for a new login link (`vigil open`). The key
 * itself is never sent: requests are signed with it (signing.ts).
 */
import { SESSION_KEY_FRAGMENT } from '../../../agent/api/contract.js';

export interface KeyStore {
  get(): string | null;
  set(key: string): void;
  clear(): void;
}

const STORAGE_NAME = 'vigil.session';

/** A KeyStore on a Storage (localStorage in the browser; a Map-backed fake in tests). */
export interface StorageLike {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

/** A Storage that lives as long as the page (the browser's session store). */
export function memoryStorage(): StorageLike {
  const held = new Map<string, string>();
  return {
    getItem: (n) => held.get(n) ?? null,
    setItem: (n, v) => void held.set(n, v),
    removeItem: (n) => void held.delete(n),
  };
}

export function storageKeyStore(storage: StorageLike): KeyStore {
  let cached: string | null | undefined;
  return {
    get() {
      if (cached === undefined) {
        try {
          cached = storage.getItem(STORAGE_NAME);
        } catch {
          cached = null;
        }
      }
      return cached ?? null;
    },
    set(key) {
      cached = key;
      try {
        storage.setItem(STORAGE_NAME, key);
      } catch {
        // storage disabled: the key lives for this page only
      }
    },
    clear() {
      cached = null;
      try {
        storage.removeItem(STORAGE_NAME);
      } catch {
        // nothing stored
      }
    },
  };
}

/** The key in a location hash such as `#key=abc`, and the hash to leave in its place. */
export function takeKeyFromHash(hash: string): { key: string | null; rest: string } {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const prefix = `${SESSION_KEY_FRAGMENT}=`;
  if (!body.startsWith(prefix)) return { key: null, rest: hash };
  const key = body.slice(prefix.length).split('&')[0] ?? '';
  return /^\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+~[A-Za-z0-9_-]{16,}$/.test(key)
    ? { key, rest: '#/' }
    : { key: null, rest: '#/' };
}
