/** Parts of the service detail view: the last health probe and the resource history. */
import { useEffect, useState } from 'react';
import { useActions, useApp } from '../hooks.js';
import { bytes, dateTime, percent } from '../format.js';
import { HealthBadge } from '../components/bits.js';
import { Sparkline } from '../components/charts.js';
import type { ServiceStatus } from '../store/types.js';

export function HealthChecks({ s }: { s: ServiceStatus }) {
  const probe = s.probe;
  if (!probe)
    return (
      <p className="muted">
        No health check configured (add <code>health: {'{ url: … }'}</code>, <code>{'{ tcp: … }'}</code> or{' '}
        <code>{'{ exec: [...] }'}</code> to the manifest).
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

/** Who enforces limits.memory (the agent where systemd's MemoryMax= is ignored, and on macOS). */
const ENFORCED_BY: Readonly<Record<'systemd' | 'agent' | 'none', string>> = {
  systemd: 'enforced by systemd (MemoryMax=)',
  agent: 'enforced by the Vigil agent (the service manager does not enforce it here)',
  none: 'not enforced',
};

export function ResourceHistory({ name }: { name: string }) {
  const history = useApp((st) => st.history[name]);
  const hstate = useApp((st) => st.historyState[name]);
  const live = useApp((st) => st.series[name]);
  const limit = useApp((st) => st.services[name]?.memoryLimitBytes);
  const enforcement = useApp((st) => st.services[name]?.memoryEnforcement);
  const { loadHistory } = useActions();
  const [range, setRange] = useState<number>(RANGES[0].ms);
  useEffect(() => {
    void loadHistory(name, range);
  }, [name, range, loadHistory]);
  const fromHistory = history !== undefined && hstate?.kind === 'ready';
  const cpu = fromHistory ? history.points.map((p) => p.cpuPercent) : (live?.cpu ?? []);
  const mem = fromHistory ? history.points.map((p) => p.memoryBytes) : (live?.memory ?? []);
  // No process: nothing uses CPU or memory now (the charts keep the history).
  const running = useApp((st) => (st.services[name]?.pid ?? null) !== null);
  const lastCpu = running ? ([...cpu].reverse().find((v) => v !== null) ?? null) : null;
  const lastMem = running ? ([...mem].reverse().find((v) => v !== null) ?? null) : null;
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
        <span className="num" data-testid="detail-memory">
          {bytes(lastMem)}
        </span>
      </div>
      {limit !== undefined && (
        <p className="muted small">
          Memory limit {bytes(limit)}: {ENFORCED_BY[enforcement ?? 'none']}
        </p>
      )}
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
