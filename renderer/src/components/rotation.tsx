/** Rotation progress: written → restarting X → healthy, or rolled back with the reason and the log tail. */
import { useActions, useApp } from '../hooks.js';
import type { RotationStep } from '../api/feature-types.js';
import { LogTail } from './bits.js';

function stepText(s: RotationStep): string {
  switch (s.kind) {
    case 'written':
      return `New value written${s.services.length > 0 ? `; restarting ${s.services.join(', ')}` : ' (no service loads this set)'}`;
    case 'restarting':
      return `Restarting ${s.service}…`;
    case 'healthy':
      return s.rollback ? `${s.service} is healthy again on the previous value` : `${s.service} is healthy`;
    case 'unhealthy':
      return s.rollback
        ? `${s.service} did not recover: ${s.reason}`
        : `${s.service} is not healthy: ${s.reason}`;
    case 'rolling-back':
      return 'Rolling back to the previous value…';
    case 'succeeded':
      return 'Rotation complete';
    case 'rolled-back':
      return `Rolled back: ${s.reason}`;
    case 'rollback-failed':
      return `Rollback failed: ${s.reason}`;
    case 'failed':
      return `Failed: ${s.reason}`;
  }
}

export function RotationProgress() {
  const r = useApp((s) => s.rotation);
  const { dismissRotation } = useActions();
  if (r === null) return null;
  return (
    <div
      className={`rotation ${r.done ? (r.ok ? 'ok' : 'bad') : ''}`}
      role="status"
      aria-live="polite"
      data-testid="rotation"
    >
      <h3>
        Rotating {r.set}/{r.key} {r.done ? (r.ok ? '— done' : '— rolled back') : '…'}
      </h3>
      <ol>
        {r.steps.map((s, i) => (
          <li key={i} className={`step step-${s.kind}`}>
            {stepText(s)}
          </li>
        ))}
        {!r.done && <li className="step step-pending">Working…</li>}
      </ol>
      {r.logTail.length > 0 && (
        <>
          <h4 className="small-head">Last log lines of the failed service</h4>
          <LogTail lines={r.logTail} />
        </>
      )}
      {r.done && (
        <button type="button" onClick={dismissRotation}>
          Close
        </button>
      )}
    </div>
  );
}
