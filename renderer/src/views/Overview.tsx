/** Every service at a glance: state and health (colour and text), uptime, restarts, CPU/memory, spend, Restart. */
import { Fragment, memo } from 'react';
import { useActions, useApp, useNow } from '../hooks.js';
import {
  selectOrder,
  selectPending,
  selectSeries,
  selectService,
  selectStatusState,
  selectTodaySpend,
  selectTracksSpend,
} from '../store/selectors.js';
import { SEVERITY_TONE, bytes, clockTime, cost, dateTime, percent, since } from '../format.js';
import { Badge, Gate, HealthBadge, Section, StateBadge } from '../components/bits.js';
import { Sparkline } from '../components/charts.js';
import { formatHash } from '../store/route.js';
import { runningOf, wholes } from '../store/groups.js';
import type { ServiceGroup, ServiceStatus } from '../store/types.js';
import { HostStrip } from '../components/host.js';

function Uptime({ iso, running }: { iso: string | null; running: boolean }) {
  const now = useNow(1_000);
  return <span>{running ? since(iso, now) : '—'}</span>;
}

/** CPU and memory now, with their recent history; "—" for a service with no process (nothing is using them). */
function Resources({ name, running }: { name: string; running: boolean }) {
  const series = useApp(selectSeries(name));
  const cpu = series?.cpu ?? [];
  const mem = series?.memory ?? [];
  const lastCpu = running ? (cpu[cpu.length - 1] ?? null) : null;
  const lastMem = running ? (mem[mem.length - 1] ?? null) : null;
  return (
    <>
      <td className="num spark-cell">
        <Sparkline kind="cpu" values={cpu} width={64} label={`CPU ${percent(lastCpu)}`} />
        <span className="spark-value">{percent(lastCpu)}</span>
      </td>
      <td className="num spark-cell" data-testid="memory">
        <Sparkline kind="mem" values={mem} width={64} label={`Memory ${bytes(lastMem)}`} />
        <span className="spark-value">{bytes(lastMem)}</span>
      </td>
    </>
  );
}

function Spend({ name }: { name: string }) {
  const micro = useApp(selectTodaySpend(name));
  const unpriced = useApp((st) => st.services[name]?.spend?.unpricedRequests ?? 0);
  return (
    <td className="num" data-testid="service-spend">
      {cost(micro ?? 0, unpriced)}
    </td>
  );
}

/** A replicated service as a whole: "2/3 running", its health over the instances, and its spend. */
function GroupRow({ group, instances }: { group: ServiceGroup; instances: readonly ServiceStatus[] }) {
  const spendShown = useApp(selectTracksSpend);
  return (
    <tr data-group={group.name} className={`group-row row-${group.state}`}>
      <th scope="row">
        {group.name}
        <div className="muted small" data-testid="replicas">
          {group.replicas} replicas
        </div>
      </th>
      <td>
        <div className="status-cell">
          <span className="tag" data-testid="replicas-running">
            {runningOf(group)}
          </span>
          <HealthBadge health={group.health} reason={null} />
        </div>
      </td>
      <td className="num">—</td>
      <td className="num">{instances.reduce((a, x) => a + x.restarts, 0)}</td>
      <td className="num" colSpan={2} />
      {spendShown && <Spend name={group.name} />}
      <td className="actions" />
    </tr>
  );
}

const ServiceRow = memo(function ServiceRow({ name }: { name: string }) {
  const s = useApp(selectService(name));
  const pending = useApp(selectPending(name));
  const spendShown = useApp(selectTracksSpend);
  const { runAction } = useActions();
  if (s === undefined) return null;
  return (
    <tr data-service={name} className={`row-${s.state}${s.group !== undefined ? ' replica-row' : ''}`}>
      <th scope="row">
        <a href={formatHash({ view: 'service', name })} className="service-link">
          {name}
        </a>
        <div className="muted small" data-testid="pid">
          {s.pid !== null ? `pid ${s.pid}` : 'no process'}
          {s.drifted && (
            <span className="tag warn" title="The unit file was edited by hand; vigil apply restores it">
              {' '}
              drift
            </span>
          )}
        </div>
      </th>
      <td>
        <div className="status-cell">
          <StateBadge state={s.state} />
          <HealthBadge health={s.health} reason={s.healthReason} />
        </div>
      </td>
      <td className="num">
        <Uptime iso={s.since} running={s.state === 'running'} />
      </td>
      <td className="num" data-testid="restarts">
        {s.restarts}
      </td>
      <Resources name={name} running={s.pid !== null} />
      {spendShown && <Spend name={name} />}
      <td className="actions">
        <button
          type="button"
          onClick={() => void runAction(name, 'restart')}
          disabled={pending !== undefined}
          aria-label={`Restart ${name}`}
        >
          {pending === 'restart' ? 'Restarting…' : 'Restart'}
        </button>
      </td>
    </tr>
  );
});

function RecentEvents() {
  const events = useApp((s) => s.events);
  const recent = events.slice(-12).reverse();
  return (
    <Section title="Recent events">
      {recent.length === 0 ? (
        <p className="muted">Nothing has happened yet.</p>
      ) : (
        <ol className="recent" data-testid="recent-events">
          {recent.map((e) => (
            <li key={e.id}>
              <time dateTime={new Date(e.at).toISOString()} title={dateTime(e.at)}>
                {clockTime(e.at)}
              </time>
              <Badge tone={SEVERITY_TONE[e.severity]}>{e.type}</Badge>
              {e.service ? (
                <a href={formatHash({ view: 'service', name: e.service })}>{e.service}</a>
              ) : (
                <span className="muted">agent</span>
              )}
              <span className="event-msg">{e.message}</span>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}

export function Overview() {
  const order = useApp(selectOrder);
  const services = useApp((s) => s.services);
  const groups = useApp((s) => s.groups);
  const state = useApp(selectStatusState);
  const spendShown = useApp(selectTracksSpend);
  const { loadStatus } = useActions();
  return (
    <>
      <HostStrip />
      <Section title="Services" className="overview">
        <Gate state={state} feature="Services" onRetry={() => void loadStatus()}>
          {order.length === 0 ? (
            <div className="empty">
              <p>No services yet.</p>
              <p className="muted">
                Describe them in a manifest and run <code>vigil apply -f vigil.yaml</code>.
              </p>
            </div>
          ) : (
            <div className="table-scroll">
              <table className="services">
                <caption className="sr-only">Services, their state, health and resource use</caption>
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">State and health</th>
                    <th scope="col" className="num">
                      Uptime
                    </th>
                    <th scope="col" className="num">
                      Restarts
                    </th>
                    <th scope="col" className="num">
                      CPU
                    </th>
                    <th scope="col" className="num">
                      Memory
                    </th>
                    {spendShown && (
                      <th scope="col" className="num">
                        Today
                      </th>
                    )}
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {wholes(
                    order.flatMap((n) => services[n] ?? []),
                    groups,
                  ).map((w) =>
                    w.group && w.instances ? (
                      <Fragment key={`group:${w.name}`}>
                        <GroupRow group={w.group} instances={w.instances} />
                        {w.instances.map((i) => (
                          <ServiceRow key={i.name} name={i.name} />
                        ))}
                      </Fragment>
                    ) : (
                      <ServiceRow key={w.name} name={w.name} />
                    ),
                  )}
                </tbody>
              </table>
            </div>
          )}
        </Gate>
      </Section>
      <RecentEvents />
    </>
  );
}
