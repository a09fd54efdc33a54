/** Signed in or not: a 401 anywhere signs the page out; the SignIn view explains `vigil open`. */
import type { StateCreator } from 'zustand/vanilla';
import type { Principal } from '../../../agent/api/contract.js';
import { isApiError } from '../api/client.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';

export interface SessionInfo {
  status: 'checking' | 'signed-in' | 'signed-out' | 'unreachable';
  principal: Principal | null;
  expiresAt: string | null;
  message: string | null;
}

export interface SessionSlice {
  session: SessionInfo;
  /** The agent runs `vigil demo`'s simulated stack (its /api/health says so): the headline says it. */
  demo: boolean;
  /** Asks the agent who we are; true when signed in. */
  checkSession(): Promise<boolean>;
  signOut(): Promise<void>;
  /** Any call that got 401 reports it here. */
  unauthorized(message: string): void;
  /** Turns a failed call into state: 401 signs out; returns the message to show. */
  failed(err: unknown): string;
}

export const createSessionSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SessionSlice> =>
  (set, get) => ({
    session: { status: 'checking', principal: null, expiresAt: null, message: null },
    demo: false,
    async checkSession() {
      try {
        const doc = await deps.api.call('session', {});
        set({
          session: { status: 'signed-in', principal: doc.principal, expiresAt: doc.expiresAt, message: null },
        });
        void deps.api.call('health', {}).then(
          (h) => set({ demo: h.demo === true }),
          () => undefined,
        );
        return true;
      } catch (err) {
        if (isApiError(err) && err.unauthorized) get().unauthorized(err.message);
        else
          set({
            session: {
              status: 'unreachable',
              principal: null,
              expiresAt: null,
              message: (err as Error).message,
            },
          });
        return false;
      }
    },
    async signOut() {
      try {
        await deps.api.call('logout', {});
      } catch {
        // signed out locally either way
      }
      deps.keys.clear();
      set({ session: { status: 'signed-out', principal: null, expiresAt: null, message: 'Signed out.' } });
    },
    unauthorized(message) {
      if (get().session.status !== 'signed-out') {
        set({ session: { status: 'signed-out', principal: null, expiresAt: null, message } });
      }
    },
    failed(err) {
      if (isApiError(err) && err.unauthorized) get().unauthorized(err.message);
      return err instanceof Error ? err.message : String(err);
    },
  });
