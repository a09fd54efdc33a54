/** Not signed in (or the agent is unreachable): how to get in. */
import { useActions, useApp } from '../hooks.js';

export function SignIn() {
  const session = useApp((s) => s.session);
  const { checkSession } = useActions();
  const unreachable = session.status === 'unreachable';
  return (
    <main className="signin" id="main">
      <div className="panel signin-card">
        <h1>{unreachable ? 'Cannot reach the Vigil agent' : 'Sign in to Vigil'}</h1>
        {unreachable ? (
          <p>{session.message}</p>
        ) : (
          <>
            <p>
              Run this in a terminal on this machine, then open the link it prints (it works once, within a
              minute):
            </p>
            <pre className="cmd">vigil open</pre>
            {session.message && /expired|signed out|session/i.test(session.message) && (
              <p className="muted small">({session.message})</p>
            )}
          </>
        )}
        <button type="button" onClick={() => void checkSession()}>
          Try again
        </button>
      </div>
    </main>
  );
}
