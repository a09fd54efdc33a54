/** Alerts: what fires now (severity, since when, acknowledge), quiet hours, and the recent notifications. */
import { useEffect } from 'react';
import { useActions, useApp, useNow } from '../hooks.js';
import { Badge, Gate, Section } from '../components/bits.js';
import { SEVERITY_TONE, ago, dateTime } from '../format.js';
import { ackId } from '../store/alerts-slice.js';

const DELIVERY_TONE = { pending: 'warn', sent: 'ok', failed: 'bad' } as const;

export function Alerts() {
  const state = useApp((s) => s.alertsState);
  const doc = useApp((s) => s.alertsDoc);
  const acks = useApp((s) => s.acknowledged);
  const { loadAlerts, acknowledge } = useActions();
  const now = useNow(30_000);
  useEffect(() => {
    void loadAlerts();
  }, [loadAlerts]);
  return (
    <div className="stack">
      <h1 className="view-title">Alerts</h1>
      <Gate state={state} feature="Alerts" onRetry={() => void loadAlerts()}>
        {doc && (
          <>
            <Section
              title="Firing now"
              actions={
                doc.quietNow && (
                  <Badge tone="idle" title="Non-critical notices wait for the morning digest">
                    Quiet hours
                  </Badge>
                )
              }
            >
              {doc.firing.length === 0 ? (
                <p className="muted" data-testid="no-alerts">
                  Nothing is firing.
                </p>
              ) : (
                <ul className="alerts">
                  {doc.firing.map((a) => {
                    const acked = acks.has(ackId(a));
                    return (
                      <li key={a.key} className={acked ? 'acknowledged' : 'firing'}>
                        <Badge tone={SEVERITY_TONE[a.severity]}>{a.severity}</Badge>
                        <div className="alert-body">
                          <p className="alert-msg">{a.message}</p>
                          <p className="muted small">
                            {a.rule}
                            {a.service ? ` · ${a.service}` : ''} ·{' '}
                            <time title={dateTime(Date.parse(a.since))}>
                              since {ago(Date.parse(a.since), now)}
                            </time>
                            {a.pending ? ' · notice held (cooldown)' : a.notified ? ' · notified' : ''}
                          </p>
                        </div>
                        {acked ? (
                          <span className="muted small">Acknowledged</span>
                        ) : (
                          <button type="button" onClick={() => acknowledge(a)}>
                            Acknowledge
                          </button>
                        )}
                      </li>
                    );
                  })}
                </ul>
              )}
              <p className="muted small">
                Acknowledging quiets an alert in this browser; the agent still sends its recovery notice.
              </p>
            </Section>
            <Section
              title="Recent notifications"
              actions={
                <span className="muted small">
                  Channels: {doc.channels.length > 0 ? doc.channels.join(', ') : 'none'}
                </span>
              }
            >
              {doc.notifications.length === 0 ? (
                <p className="muted">No notifications yet.</p>
              ) : (
                <ul className="alerts">
                  {doc.notifications.map((n) => (
                    <li key={n.id} className={n.kind === 'resolved' ? 'resolved' : ''}>
                      <Badge tone={n.kind === 'resolved' ? 'ok' : SEVERITY_TONE[n.severity]}>
                        {n.kind === 'resolved' ? 'resolved' : n.severity}
                      </Badge>
                      <div className="alert-body">
                        <p className="alert-msg">{n.title}</p>
                        <p className="muted small">
                          {n.text} · <time title={dateTime(n.at)}>{ago(n.at, now)}</time>
                        </p>
                      </div>
                      <span className="deliveries">
                        {n.deliveries.length === 0 ? (
                          <span className="muted small">{n.status}</span>
                        ) : (
                          n.deliveries.map((d) => (
                            <Badge
                              key={d.id}
                              tone={DELIVERY_TONE[d.status]}
                              title={d.lastError ?? `${d.attempts} attempt(s)`}
                            >
                              {d.channel}: {d.status}
                            </Badge>
                          ))
                        )}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </Section>
          </>
        )}
      </Gate>
    </div>
  );
}
