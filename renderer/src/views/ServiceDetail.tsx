/** One service: why it died, its events, health checks, resource history, start/stop/restart, and its log. */
import { useState } from 'react';
import { useActions, useApp, useNow } from '../hooks.js';
import { selectLastCrash, selectPending, selectService, selectServiceEvents } from '../store/selectors.js';
import { CRASH_TYPES, SEVERITY_TONE, clockTime, dateTime, since, whyItDied } from '../format.js';
import { Badge, HealthBadge, LogTail, Section, StateBadge } from '../components/bits.js';
import { ConfirmDialog } from '../components/dialog.js';
import type { ServiceStatus, VigilEvent } from '../store/types.js';
import { LogViewer } from './LogViewer.js';
import { HealthChecks, ResourceHistory } from './detail-parts.js';

function Controls({ s }: { s: ServiceStatus }) {
  const pending = useApp(selectPending(s.name));
  const { runAction } = useActions();
  const [confirmStop, setConfirmStop] = useState(false);
  const busy = pending !== undefined;
  // While a stop is under way neither Start nor Stop makes sense; Restart still does.
  const running = s.state === 'running' || s.state === 'starting' || s.state === 'stopping';
  return (
    <div className="controls">
      <button type="button" onClick={() => void runAction(s.name, 'start')} disabled={busy || running}>
        {pending === 'start' ? 'Starting…' : 'Start'}
      </button>
      <button
        type="button"
        className="danger-outline"
        onClick={() => setConfirmStop(true)}
        disabled={busy || s.state === 'stopped' || s.state === 'stopping'}
      >
        {pending === 'stop' ? 'Stopping…' : 'Stop'}
      </button>
      <button
        type="button"
        className="primary"
        onClick={() => void runAction(s.name, 'restart')}
        disabled={busy}
      >
        {pending === 'restart' ? 'Restarting…' : 'Restart'}
      </button>
      <ConfirmDialog
        open={confirmStop}
        title={`Stop ${s.name}?`}
        confirmLabel={`Stop ${s.name}`}
        danger
        onCancel={() => setConfirmStop(false)}
        onConfirm={() => {
          setConfirmStop(false);
          void runAction(s.name, 'stop');
        }}
      >
        <p>The service manager will stop it and will not restart it until you start it again.</p>
      </ConfirmDialog>
    </div>
  );
}

function WhyItDied({ name }: { name: string }) {
  const crash = useApp(selectLastCrash(name));
  const s = useApp(selectService(name));
  if (crash === null && (s?.lastExit === null || s?.lastExit === undefined)) {
    return <p className="muted">No crash recorded.</p>;
  }
  if (crash === null) {
    return (
      <p>
        Last exit:{' '}
        {s!.lastExit!.reason ??
          (s!.lastExit!.signal ? `signal ${s!.lastExit!.signal}` : `code ${s!.lastExit!.code}`)}
      </p>
    );
  }
  return (
    <div className="why" data-testid="why-it-died">
      <p className="why-reason">{whyItDied(crash)}</p>
      <dl className="facts">
        <dt>When</dt>
        <dd>{dateTime(crash.at)}</dd>
        {crash.exit?.code !== null && crash.exit?.code !== undefined && (
          <>
            <dt>Exit code</dt>
            <dd>{crash.exit.code}</dd>
          </>
        )}
        {crash.exit?.signal && (
          <>
            <dt>Signal</dt>
            <dd>{crash.exit.signal}</dd>
          </>
        )}
        {crash.exit?.result && (
          <>
            <dt>Result</dt>
            <dd>{crash.exit.result}</dd>
          </>
        )}
      </dl>
      {crash.logTail && crash.logTail.length > 0 && (
        <>
          <h3 className="small-head">Last log lines</h3>
          <LogTail lines={crash.logTail} />
        </>
      )}
    </div>
  );
}

function Timeline({ name }: { name: string }) {
  const events = useApp(selectServiceEvents(name));
  const recent = events.slice(-50).reverse();
  if (recent.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {recent.map((e: VigilEvent) => (
        <li key={e.id} className={CRASH_TYPES.has(e.type) ? 'crash' : ''}>
          <time dateTime={new Date(e.at).toISOString()} title={dateTime(e.at)}>
            {clockTime(e.at)}
          </time>
          <Badge tone={SEVERITY_TONE[e.severity]}>{e.type}</Badge>
          <span className="event-msg">{e.message}</span>
        </li>
      ))}
    </ol>
  );
}

export function ServiceDetail({ name }: { name: string }) {
  const s = useApp(selectService(name));
  const known = useApp((st) => st.statusState.kind === 'ready');
  const now = useNow(1_000);
  if (s === undefined) {
    return (
      <div className="panel">
        <p>{known ? `There is no service named “${name}”.` : 'Loading…'}</p>
        <a href="#/">Back to the overview</a>
      </div>
    );
  }
  return (
    <div className="detail">
      <div className="detail-head panel">
        <div>
          <a href="#/" className="back">
            ← Overview
          </a>
          <h1>{name}</h1>
          <div className="badges">
            <StateBadge state={s.state} />
            <HealthBadge health={s.health} reason={s.healthReason} />
            {s.drifted && <Badge tone="warn">Unit edited by hand</Badge>}
          </div>
          <dl className="facts inline">
            <dt>PID</dt>
            <dd data-testid="detail-pid">{s.pid ?? '—'}</dd>
            <dt>Restarts</dt>
            <dd data-testid="detail-restarts">{s.restarts}</dd>
            <dt>{s.state === 'running' ? 'Up' : 'Since'}</dt>
            <dd>{since(s.since, now)}</dd>
            <dt>Unit</dt>
            <dd>
              <code>{s.unit}</code>
            </dd>
          </dl>
        </div>
        <Controls s={s} />
      </div>
      <div className="grid">
        <Section title="Why it died">
          <WhyItDied name={name} />
        </Section>
        <Section title="Health checks">
          <HealthChecks s={s} />
        </Section>
        <Section title="Resources">
          <ResourceHistory name={name} />
        </Section>
        <Section title="Events">
          <Timeline name={name} />
        </Section>
      </div>
      <Section title="Log" className="log-section">
        <LogViewer service={name} />
      </Section>
    </div>
  );
}
