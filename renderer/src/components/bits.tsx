/** Small shared pieces: state badges (colour and text), the "not available" panel, empty and error states. */
import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { HEALTH_LABEL, HEALTH_TONE, STATE_LABEL, STATE_TONE, type Tone } from '../format.js';
import type { Availability, Health, ServiceState } from '../store/types.js';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      <span className="dot" aria-hidden="true" />
      {children}
    </span>
  );
}

export function StateBadge({ state }: { state: ServiceState }) {
  return <Badge tone={STATE_TONE[state]}>{STATE_LABEL[state]}</Badge>;
}

export function HealthBadge({ health, reason }: { health: Health; reason?: string | null | undefined }) {
  return (
    <Badge
      tone={HEALTH_TONE[health]}
      title={
        reason ??
        (health === 'unknown'
          ? 'No health check result (none configured, or not probed yet)'
          : HEALTH_LABEL[health])
      }
    >
      {HEALTH_LABEL[health]}
    </Badge>
  );
}

export function Unavailable({ feature, message }: { feature: string; message: string }) {
  return (
    <div className="panel unavailable" role="status">
      <h2>{feature}: not available from this agent</h2>
      <p>{message}</p>
      <p className="muted">
        The agent you are connected to does not serve this part of the API (it answered 404). Update Vigil and
        restart the agent to get it.
      </p>
    </div>
  );
}

/** Loading / error / unavailable for a feature; renders children when ready. */
export function Gate({
  state,
  feature,
  children,
  onRetry,
}: {
  state: Availability;
  feature: string;
  children: ReactNode;
  onRetry?: () => void;
}) {
  if (state.kind === 'unavailable') return <Unavailable feature={feature} message={state.message} />;
  if (state.kind === 'error') {
    return (
      <div className="panel error" role="alert">
        <p>
          Could not load {feature.toLowerCase()}: {state.message}
        </p>
        {onRetry && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    );
  }
  if (state.kind !== 'ready')
    return (
      <p className="muted loading" aria-busy="true">
        Loading {feature.toLowerCase()}…
      </p>
    );
  return <>{children}</>;
}

export function Section({
  title,
  children,
  actions,
  className,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  const id = `sec-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={id}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/**
 * The last lines of a log (a crash's, a failed rotation's), opened at the end: the newest lines, where the
 * cause is, are in view without scrolling.
 */
export function LogTail({ lines }: { lines: readonly string[] }) {
  const ref = useRef<HTMLPreElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <pre className="tail" ref={ref} data-testid="log-tail" tabIndex={0}>
      {lines.join('\n')}
    </pre>
  );
}
