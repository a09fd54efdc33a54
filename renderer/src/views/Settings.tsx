/** Settings: the budget as configured, notification channels (test), start at login (desktop), the session. */
import { useEffect } from 'react';
import { useActions, useApp } from '../hooks.js';
import { Badge, Gate, Section } from '../components/bits.js';
import { usd } from '../format.js';
import type { BudgetStatus } from '../store/types.js';

function Budgets({ b }: { b: BudgetStatus }) {
  if (!b.configured) {
    return (
      <p className="muted">
        No budget set. Add one to the manifest and apply it:{' '}
        <code>budget: {'{ dailyUsd: 20, monthlyUsd: 400, onExceed: stop }'}</code>
      </p>
    );
  }
  return (
    <>
      <dl className="facts">
        <dt>Daily budget</dt>
        <dd>{b.dailyUsd === null ? 'none' : usd(Math.round(b.dailyUsd * 1e6))}</dd>
        <dt>Monthly budget</dt>
        <dd>{b.monthlyUsd === null ? 'none' : usd(Math.round(b.monthlyUsd * 1e6))}</dd>
        <dt>Alert at</dt>
        <dd>{b.thresholds.map((t) => `${t} %`).join(', ')}</dd>
        <dt>At 100 %</dt>
        <dd>{b.onExceed === 'stop' ? 'stop the services it names' : 'alert only'}</dd>
        <dt>Budget day</dt>
        <dd>midnight to midnight, {b.timezone}</dd>
        {b.scopes
          .filter((s) => s.scope.startsWith('service:'))
          .map((s) => (
            <div key={s.scope} className="fact">
              <dt>{s.label}</dt>
              <dd>
                {usd(s.capMicro)} a day, then {s.onExceed}
              </dd>
            </div>
          ))}
      </dl>
      <p className="muted small">
        Budgets live in the manifest (budget:); change them there and run vigil apply.
      </p>
    </>
  );
}

function Channels() {
  const doc = useApp((s) => s.alertsDoc);
  const state = useApp((s) => s.alertsState);
  const { testNotification } = useActions();
  if (state.kind === 'unavailable') return <p className="muted">This agent does not send notifications.</p>;
  return (
    <div>
      <p>
        {doc === null
          ? 'Loading…'
          : doc.channels.length > 0
            ? `Notifications go to: ${doc.channels.join(', ')}.`
            : 'No channel configured (alerts: in the manifest).'}{' '}
        {doc?.quietNow && <Badge tone="idle">Quiet hours now</Badge>}
      </p>
      <button type="button" onClick={() => void testNotification()}>
        Send a test notification
      </button>
    </div>
  );
}

function Desktop() {
  const startAtLogin = useApp((s) => s.startAtLogin);
  const { setStartAtLogin } = useActions();
  if (startAtLogin === null) {
    return (
      <p className="muted">
        Start at login is a setting of the desktop app. In a browser, run the agent as a user service instead:{' '}
        <code>vigil agent install --http 127.0.0.1:PORT</code>.
      </p>
    );
  }
  return (
    <label className="toggle">
      <input
        type="checkbox"
        checked={startAtLogin}
        onChange={(e) => void setStartAtLogin(e.target.checked)}
      />
      <span>Start Vigil at login</span>
    </label>
  );
}

export function Settings() {
  const state = useApp((s) => s.budgetState);
  const budget = useApp((s) => s.budgetDoc);
  const session = useApp((s) => s.session);
  const { loadSettings, signOut } = useActions();
  useEffect(() => {
    void loadSettings();
  }, [loadSettings]);
  return (
    <div className="stack">
      <h1 className="view-title">Settings</h1>
      <div className="grid">
        <Section title="Budget">
          <Gate state={state} feature="Budget" onRetry={() => void loadSettings()}>
            {budget && <Budgets b={budget} />}
          </Gate>
        </Section>
        <Section title="Notifications">
          <Channels />
        </Section>
        <Section title="Desktop">
          <Desktop />
        </Section>
        <Section title="Session">
          <p className="muted small">
            {session.principal === 'cookie'
              ? 'Signed in with a browser session'
              : `Signed in as ${session.principal ?? 'nobody'}`}
            {session.expiresAt ? ` until ${new Date(session.expiresAt).toLocaleDateString()}` : ''}.
          </p>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </Section>
      </div>
    </div>
  );
}
