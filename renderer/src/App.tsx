/** The app: sign-in gate, then the shell with the current view; starts the data flow once signed in. */
import { useEffect, useRef } from 'react';
import { useActions, useApp } from './hooks.js';
import { selectRoute, selectSession } from './store/selectors.js';
import { Shell } from './components/shell.js';
import { Overview } from './views/Overview.js';
import { ServiceDetail } from './views/ServiceDetail.js';
import { Usage } from './views/Usage.js';
import { Credentials } from './views/Credentials.js';
import { Alerts } from './views/Alerts.js';
import { Settings } from './views/Settings.js';
import { SignIn } from './views/SignIn.js';

function View() {
  const route = useApp(selectRoute);
  const first = useRef(true);
  useEffect(() => {
    // Move focus to the new view for keyboard and screen-reader users (not on first load).
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [route]);
  switch (route.view) {
    case 'overview':
      return <Overview />;
    case 'service':
      return <ServiceDetail name={route.name} />;
    case 'usage':
      return <Usage />;
    case 'credentials':
      return <Credentials />;
    case 'alerts':
      return <Alerts />;
    case 'settings':
      return <Settings />;
  }
}

export function App() {
  const session = useApp(selectSession);
  const actions = useActions();
  const signedIn = session.status === 'signed-in';
  useEffect(() => {
    void actions.checkSession();
  }, [actions]);
  useEffect(() => {
    if (!signedIn) return;
    void actions.loadStatus().then(() => actions.prefillSparklines());
    // History first, then the live stream from the newest event held: nothing falls in between.
    let stop = (): void => undefined;
    let cancelled = false;
    void actions.loadEvents().finally(() => {
      if (!cancelled) stop = actions.startLive();
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [signedIn, actions]);
  useEffect(() => {
    document.title = signedIn ? 'Vigil' : 'Vigil — sign in';
  }, [signedIn]);
  if (session.status === 'checking')
    return <p className="muted loading boot">Connecting to the Vigil agent…</p>;
  if (!signedIn) return <SignIn />;
  return (
    <Shell>
      <View />
    </Shell>
  );
}
