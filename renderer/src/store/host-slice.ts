/** The host strip: the machine's facts from GET /api/host, read while the strip is on screen. */
import type { StateCreator } from 'zustand/vanilla';
import { isApiError } from '../api/client.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import { IDLE, type Availability, type HostDoc } from './types.js';

export interface HostSlice {
  host: HostDoc | null;
  hostState: Availability;
  loadHost(): Promise<void>;
}

export const createHostSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], HostSlice> =>
  (set, get) => ({
    host: null,
    hostState: IDLE,
    async loadHost() {
      if (get().hostState.kind === 'idle') set({ hostState: { kind: 'loading' } });
      try {
        const host = await deps.api.call('host', {});
        set({ host, hostState: { kind: 'ready', at: deps.now() } });
      } catch (err) {
        if (isApiError(err) && err.unavailable)
          set({ hostState: { kind: 'unavailable', message: 'This agent does not report on its host.' } });
        else set({ hostState: { kind: 'error', message: get().failed(err) } });
      }
    },
  });
