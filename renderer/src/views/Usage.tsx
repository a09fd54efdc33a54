/** Spend: today vs budget, per hour today, 30 days stacked by service or model, tokens by kind, budget state. */
import { useEffect, useMemo, useState } from 'react';
import { useActions, useApp } from '../hooks.js';
import { cost, count, usd } from '../format.js';
import { Badge, Gate, Section } from '../components/bits.js';
import { Meter, StackedBars } from '../components/charts.js';
import { stacksOf, type UsageData } from '../store/usage-slice.js';
import { parseUsd } from '../store/settings-slice.js';

const STATE_TONE = { ok: 'ok', warning: 'warn', exceeded: 'bad' } as const;

/**
 * Resume and pause enforcement, from the page: raise today's cap by an amount (starting what it stopped), or
 * pause enforcement for the rest of the day (alerts still fire). The same as `vigil budget resume
 * [--add USD]`, through POST /api/budget/resume.
 */
function BudgetControls({ b }: { b: UsageData['budget'] }) {
  const { resumeBudget } = useActions();
  const [add, setAdd] = useState('5');
  const parsed = parseUsd(add);
  const stopped = b.stopped.length > 0;
  if (!b.configured || (!stopped && b.dailyUsd === null)) return null;
  return (
    <div className={stopped ? 'stopped-spend' : 'budget-controls'} role={stopped ? 'alert' : undefined}>
      {stopped && (
        <p>
          Stopped for spend: <strong>{b.stopped.map((s) => s.service).join(', ')}</strong> (
          {usd(b.stopped[0]!.spendMicro)} of a {usd(b.stopped[0]!.capMicro)} cap)
        </p>
      )}
      <form
        className="inline-form"
        aria-label="Budget controls"
        onSubmit={(e) => {
          e.preventDefault();
          if (parsed.ok) void resumeBudget(parsed.value);
        }}
      >
        <label className="field">
          <span>{stopped ? 'Raise the cap by (USD)' : "Raise today's cap by (USD)"}</span>
          <input
            inputMode="decimal"
            value={add}
            onChange={(e) => setAdd(e.target.value)}
            aria-invalid={!parsed.ok}
          />
        </label>
        <button type="submit" className={stopped ? 'primary' : undefined} disabled={!parsed.ok}>
          {stopped ? 'Resume' : 'Raise'} +${parsed.ok ? parsed.value : '…'}
        </button>
        {b.dailyLifted && !stopped ? (
          <Badge tone="warn">Enforcement paused until midnight</Badge>
        ) : (
          <button type="button" onClick={() => void resumeBudget()}>
            {stopped ? 'Resume and pause enforcement for today' : 'Pause enforcement for today'}
          </button>
        )}
      </form>
    </div>
  );
}

function Budget({ u }: { u: UsageData }) {
  const b = u.budget;
  const cap = b.dailyUsd === null ? null : Math.round(b.dailyUsd * 1e6);
  const monthCap = b.monthlyUsd === null ? null : Math.round(b.monthlyUsd * 1e6);
  return (
    <div className="budget">
      <div className="big-figure">
        <span className="figure" data-testid="usage-today">
          {usd(b.todayMicro)}
        </span>
        <span className="muted" data-testid="usage-cap">
          {cap !== null
            ? `of ${usd(cap)} daily budget${b.dailyLifted ? ' (lifted)' : ''}`
            : 'spent today (no daily budget set)'}
        </span>
        {b.configured && (
          <Badge tone={STATE_TONE[b.state]}>
            {b.state === 'ok'
              ? 'Within budget'
              : b.state === 'warning'
                ? 'Nearing the budget'
                : 'Over budget'}
          </Badge>
        )}
      </div>
      <Meter value={b.todayMicro} limit={cap} label="Today against the daily budget" />
      <p className="muted small">
        This month {usd(b.monthMicro)}
        {monthCap !== null ? ` of ${usd(monthCap)}` : ''} · alerts at{' '}
        {b.thresholds.map((t) => `${t} %`).join(', ')} · at 100 %:{' '}
        {b.onExceed === 'stop' ? 'stop the services it names' : 'alert'} · day ends at midnight {b.timezone}
      </p>
      {b.scopes.filter((s) => s.scope.startsWith('service:')).length > 0 && (
        <ul className="plain-list">
          {b.scopes
            .filter((s) => s.scope.startsWith('service:'))
            .map((s) => (
              <li key={s.scope}>
                {s.label}: {usd(s.spendMicro)} of {usd(s.capMicro)}{' '}
                {s.lifted && <Badge tone="warn">cap lifted</Badge>}
              </li>
            ))}
        </ul>
      )}
      <BudgetControls b={b} />
    </div>
  );
}

function Hours({ u }: { u: UsageData }) {
  const { stacks, keys } = useMemo(() => stacksOf(u.hours), [u.hours]);
  return (
    <StackedBars
      stacks={stacks.map((s) => ({ ...s, label: `${s.label.slice(-2)}:00` }))}
      keys={keys}
      height={120}
      label="Spend per hour today, by service"
      format={usd}
    />
  );
}

function Days({ u }: { u: UsageData }) {
  const [by, setBy] = useState<'service' | 'model'>('service');
  const { stacks, keys } = useMemo(() => stacksOf(u.days[by]), [u.days, by]);
  return (
    <div>
      <div className="range" role="group" aria-label="Group by">
        <button type="button" aria-pressed={by === 'service'} onClick={() => setBy('service')}>
          By service
        </button>
        <button type="button" aria-pressed={by === 'model'} onClick={() => setBy('model')}>
          By model
        </button>
      </div>
      <StackedBars stacks={stacks} keys={keys} label={`Spend per day for 30 days, by ${by}`} format={usd} />
    </div>
  );
}

function Tokens({ u }: { u: UsageData }) {
  const unpriced = new Set(u.byModel.unpricedModels.map((m) => m.model));
  const rows = u.byModel.rows;
  if (rows.length === 0) return <p className="muted">No usage recorded today.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              Input
            </th>
            <th scope="col" className="num">
              Output
            </th>
            <th scope="col" className="num">
              Cache read
            </th>
            <th scope="col" className="num">
              Cache write
            </th>
            <th scope="col" className="num">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>
                <code>{r.key}</code>
              </td>
              <td className="num">{count(r.requests)}</td>
              <td className="num">{count(r.tokens.input)}</td>
              <td className="num">{count(r.tokens.output)}</td>
              <td className="num">{count(r.tokens.cacheRead)}</td>
              <td className="num">{count(r.tokens.cacheWrite + r.tokens.cacheWrite1h)}</td>
              <td className="num">
                {(unpriced.has(r.key) || r.unpricedRequests > 0) && r.costMicro === 0 ? (
                  <Badge tone="warn" title="No known price for this model: tokens are counted, cost is not">
                    unpriced
                  </Badge>
                ) : (
                  <>
                    {usd(r.costMicro)}
                    {r.unpricedRequests > 0 && (
                      <span className="tag warn"> +{r.unpricedRequests} unpriced</span>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td className="num">{count(u.byModel.total.requests)}</td>
            <td className="num">{count(u.byModel.total.tokens.input)}</td>
            <td className="num">{count(u.byModel.total.tokens.output)}</td>
            <td className="num">{count(u.byModel.total.tokens.cacheRead)}</td>
            <td className="num">
              {count(u.byModel.total.tokens.cacheWrite + u.byModel.total.tokens.cacheWrite1h)}
            </td>
            <td className="num">{cost(u.byModel.total.costMicro, u.byModel.total.unpricedRequests)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function ByService({ u }: { u: UsageData }) {
  if (u.byService.rows.length === 0) return null;
  return (
    <ul className="plain-list">
      {u.byService.rows.map((r) => (
        <li key={r.key}>
          <a href={`#/service/${encodeURIComponent(r.key)}`}>{r.key}</a>
          <span className="num">{cost(r.costMicro, r.unpricedRequests)}</span>
          <span className="muted small">
            {count(r.requests)} request{r.requests === 1 ? '' : 's'}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Usage() {
  const state = useApp((s) => s.usageState);
  const u = useApp((s) => s.usage);
  const { loadUsage } = useActions();
  useEffect(() => {
    void loadUsage();
  }, [loadUsage]);
  return (
    <div className="stack">
      <h1 className="view-title">Usage</h1>
      <Gate state={state} feature="Usage" onRetry={() => void loadUsage()}>
        {u && (
          <>
            <div className="grid">
              <Section title="Today">
                <Budget u={u} />
              </Section>
              <Section title="Today by service">
                <ByService u={u} />
                <Hours u={u} />
              </Section>
            </div>
            <Section title="Last 30 days">
              <Days u={u} />
            </Section>
            <Section
              title={`Tokens and cost by model (${u.byModel.period.kind === 'day' ? u.byModel.period.day : u.byModel.period.month})`}
            >
              <Tokens u={u} />
            </Section>
          </>
        )}
      </Gate>
    </div>
  );
}
