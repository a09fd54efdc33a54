/** The frame: skip link, navigation, the headline bar (overall state, spend vs budget, live), toasts. */
import type { ReactNode } from 'react';
import { useActions, useApp } from '../hooks.js';
import {
  overallOf,
  selectBudgetGlance,
  selectDiskFull,
  selectLive,
  selectRoute,
  selectToasts,
} from '../store/selectors.js';
import type { BudgetGlance } from '../store/types.js';
import { usd } from '../format.js';
import type { ViewName } from '../store/route.js';
import { Badge } from './bits.js';
import { Meter } from './charts.js';

const NAV: readonly { view: ViewName; label: string }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'usage', label: 'Usage' },
  { view: 'credentials', label: 'Credentials' },
  { view: 'alerts', label: 'Alerts' },
  { view: 'settings', label: 'Settings' },
];

function Nav() {
  const route = useApp(selectRoute);
  const current = route.view === 'service' ? 'overview' : route.view;
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav-inner">
        <a className="brand" href="#/">
          <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
            <circle cx="16" cy="16" r="14" className="brand-disc" />
            <path d="M9 16.5l4.5 4.5L23 11.5" className="brand-tick" />
          </svg>
          Vigil
        </a>
        <ul>
          {NAV.map((n) => (
            <li key={n.view}>
              <a
                href={n.view === 'overview' ? '#/' : `#/${n.view}`}
                aria-current={current === n.view ? 'page' : undefined}
              >
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </nav>
  );
}

const LIVE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Signed out',
  unavailable: 'No live updates',
  closed: 'Offline',
} as const;

function Headline() {
  const overall = useApp((s) => overallOf(s));
  const live = useApp(selectLive);
  const budget = useApp(selectBudgetGlance);
  const disk = useApp(selectDiskFull);
  const demo = useApp((s) => s.demo);
  return (
    <header className="headline" aria-label="Summary">
      <div className="overall" aria-live="polite">
        <Badge tone={overall.tone}>{overall.label}</Badge>
        <span className="muted small">{overall.detail}</span>
      </div>
      {budget !== null && <Spend budget={budget} />}
      {demo && (
        <span className="tag warn demo-note" role="note" data-testid="demo-note">
          Demo: simulated services. Nothing real is called and no money is spent — the spend is what the
          simulated calls would have cost. <code>npx vigil demo --down</code> removes it.
        </span>
      )}
      {disk !== null && (
        <span className="tag bad" role="alert" title={disk.message ?? undefined}>
          Disk full since {new Date(disk.since ?? Date.now()).toLocaleTimeString()}: Vigil cannot write its
          files
          {disk.freeBytes !== null ? ` (${disk.freeBytes} bytes free)` : ''}. Services keep running; events
          and exit records are kept until space is freed.
        </span>
      )}
      <span className={`live live-${live}`} role="status" title="Updates from the agent">
        <span className="dot" aria-hidden="true" />
        {LIVE_TEXT[live]}
      </span>
    </header>
  );
}

function Spend({ budget }: { budget: BudgetGlance }) {
  const today = Math.round(budget.todayUsd * 1_000_000);
  const cap = budget.dailyUsd === null ? null : Math.round(budget.dailyUsd * 1_000_000);
  return (
    <a
      className="spend"
      href="#/usage"
      aria-label={`Today's spend ${usd(today)}${cap === null ? '' : ` of ${usd(cap)}`}`}
    >
      <span className="spend-figure" data-testid="today-spend">
        {usd(today)}
      </span>
      <span className="muted small" data-testid="header-cap">
        {cap !== null ? `of ${usd(cap)} today${budget.lifted ? ' (lifted)' : ''}` : 'today · no daily budget'}
      </span>
      <Meter
        value={today}
        limit={cap}
        label={`Spent ${usd(today)} of ${cap === null ? 'no budget' : usd(cap)} today`}
      />
      {budget.stopped.length > 0 && (
        <span className="tag bad">Stopped for spend: {budget.stopped.join(', ')}</span>
      )}
    </a>
  );
}

function Toasts() {
  const toasts = useApp(selectToasts);
  const { dismissToast } = useActions();
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`}>
          <span>{t.text}</span>
          <button type="button" className="icon" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Nav />
      <div className="main-col">
        <Headline />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
      <Toasts />
    </div>
  );
}
