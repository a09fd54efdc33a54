/** One service: why it died, its events, health checks, resource history, start/stop/restart, and its log. */
import { useEffect, useState } from 'react';
import { useActions, useApp, useNow } from '../hooks.js';
import { selectLastCrash, selectPending, selectService, selectServiceEvents } from '../store/selectors.js';
import { CRASH_TYPES, bytes, clockTime, dateTime, percent, since, whyItDied } from '../format.js';
import { Badge, HealthBadge, Section, StateBadge } from '../components/bits.js';
import { ConfirmDialog } from '../components/dialog.js';
import { Sparkline } from '../components/charts.js';
import type { ServiceStatus, VigilEvent } from '../store/types.js';
import { LogViewer } from './LogViewer.js';

const SEVERITY_TONE = { info: 'idle', warning: 'warn', critical: 'bad' } as const;

function Controls({ s }: { s: ServiceStatus }) {
  const pending = useApp(selectPending(s.name));
  const { runAction } = useActions();
  const [confirmStop, setConfirmStop] = useState(false);
  const busy = pending !== undefined;
  const running = s.state === 'running' || s.state === 'starting';
  return (
    <div className="controls">
      <button type="button" onClick={() => void runAction(s.name, 'start')} disabled={busy || running}>
        {pending === 'start' ? 'Starting…' : 'Start'}
      </button>
      <button
        type="button"
        className="danger-outline"
        onClick={() => setConfirmStop(true)}
        disabled={busy || s.state === 'stopped'}
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
          <pre className="tail">{crash.logTail.join('\n')}</pre>
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

function HealthChecks({ s }: { s: ServiceStatus }) {
  const probe = s.probe;
  if (!probe)
    return (
      <p className="muted">
        No health check configured (add <code>health: {'{ url: … }'}</code> to the manifest).
      </p>
    );
  const checks = probe.checks ? Object.entries(probe.checks) : [];
  return (
    <div>
      <dl className="facts">
        <dt>Last probe</dt>
        <dd>{dateTime(Date.parse(probe.at))}</dd>
        <dt>Result</dt>
        <dd>
          <HealthBadge health={probe.health} /> {probe.httpStatus !== null ? `HTTP ${probe.httpStatus}` : ''}{' '}
          in {probe.latencyMs} ms
        </dd>
        {probe.reported && (
          <>
            <dt>Reported</dt>
            <dd>{probe.reported}</dd>
          </>
        )}
        {probe.error && (
          <>
            <dt>Error</dt>
            <dd>{probe.error}</dd>
          </>
        )}
      </dl>
      {checks.length > 0 && (
        <ul className="checks">
          {checks.map(([k, v]) => (
            <li key={k}>
              <strong>{k}</strong>: <span>{typeof v === 'string' ? v : JSON.stringify(v)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const RANGES = [
  { label: '1 h', ms: 3_600_000 },
  { label: '24 h', ms: 86_400_000 },
  { label: '7 d', ms: 7 * 86_400_000 },
] as const;

function ResourceHistory({ name }: { name: string }) {
  const history = useApp((st) => st.history[name]);
  const hstate = useApp((st) => st.historyState[name]);
  const live = useApp((st) => st.series[name]);
  const { loadHistory } = useActions();
  const [range, setRange] = useState<number>(RANGES[0].ms);
  useEffect(() => {
    void loadHistory(name, range);
  }, [name, range, loadHistory]);
  const fromHistory = history !== undefined && hstate?.kind === 'ready';
  const cpu = fromHistory ? history.points.map((p) => p.cpuPercent) : (live?.cpu ?? []);
  const mem = fromHistory ? history.points.map((p) => p.memoryBytes) : (live?.memory ?? []);
  const lastCpu = [...cpu].reverse().find((v) => v !== null) ?? null;
  const lastMem = [...mem].reverse().find((v) => v !== null) ?? null;
  return (
    <div className="resources">
      <div className="range" role="group" aria-label="Time range">
        {RANGES.map((r) => (
          <button
            key={r.label}
            type="button"
            aria-pressed={range === r.ms}
            onClick={() => setRange(r.ms)}
            disabled={hstate?.kind === 'unavailable'}
          >
            {r.label}
          </button>
        ))}
      </div>
      <div className="chart-row">
        <span className="chart-label">CPU</span>
        <Sparkline
          kind="cpu"
          values={cpu}
          width={320}
          height={56}
          label={`CPU, latest ${percent(lastCpu)}`}
        />
        <span className="num">{percent(lastCpu)}</span>
      </div>
      <div className="chart-row">
        <span className="chart-label">Memory</span>
        <Sparkline
          kind="mem"
          values={mem}
          width={320}
          height={56}
          label={`Memory, latest ${bytes(lastMem)}`}
        />
        <span className="num">{bytes(lastMem)}</span>
      </div>
      {!fromHistory && (
        <p className="muted small">
          {hstate?.kind === 'unavailable'
            ? 'This agent keeps no history: showing what this page has seen since it opened.'
            : 'Since this page opened.'}
        </p>
      )}
    </div>
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
