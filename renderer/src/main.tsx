/** Entry: take the session key from the login redirect, wire the store to the browser, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/base.css';
import './styles/layout.css';
import './styles/data.css';
import './styles/detail.css';
import './styles/views.css';
import { createApi } from './api/client.js';
import { memoryStorage, storageKeyStore, takeKeyFromHash } from './api/session-key.js';
import { createAppStore } from './store/index.js';
import { realTimers } from './store/deps.js';
import { parseHash } from './store/route.js';
import { isDesktopBridge } from './desktop.js';
import { StoreContext } from './hooks.js';
import { App } from './App.js';

const keys = storageKeyStore(memoryStorage());
try {
  window.localStorage.removeItem('vigil.sessionKey'); // where older versions kept a replayable key
} catch {
  // storage disabled
}
const taken = takeKeyFromHash(window.location.hash);
if (taken.key !== null) keys.set(taken.key);
if (taken.rest !== window.location.hash) window.history.replaceState(null, '', `/${taken.rest}`);

const bridge = (window as unknown as { vigilDesktop?: unknown }).vigilDesktop;
const store = createAppStore({
  api: createApi({ fetch: (input, init) => window.fetch(input, init), key: () => keys.get() }),
  keys,
  now: Date.now,
  timers: realTimers,
  setHash: (hash) => {
    if (window.location.hash !== hash) window.location.hash = hash;
  },
  desktop: isDesktopBridge(bridge) ? bridge : null,
});
store.getState().routeChanged(parseHash(window.location.hash));
window.addEventListener('hashchange', () => store.getState().routeChanged(parseHash(window.location.hash)));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
