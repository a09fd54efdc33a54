/** Plain-text tables for `vigil usage` and `vigil budget`. */
import { formatCost, formatUsd } from '../core/usage/model.js';
import type {
  BudgetResumeResponse,
  BudgetStatusDoc,
  UsageReport,
  UsageSourceDoc,
} from '../core/usage/report.js';
import { table } from './format.js';

/** 1234 → "1,234"; 1234567 → "1.23M" (exact figures are in --json). */
export function compact(n: number): string {
  if (n === 0) return '-';
  if (n < 100_000) return n.toLocaleString('en-US');
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** One usage source with a problem: failing, unusable llm_usage lines (by reason), lines lost to rotation. */
function sourceNote(s: UsageSourceDoc): string {
  const parts: string[] = [];
  if (!s.ok || s.error !== null) parts.push(`${s.ok ? '' : 'failing: '}${s.error ?? ''}`);
  if (s.rejected > 0) {
    const by = Object.entries(s.reasons ?? {}).sort((a, b) => b[1] - a[1]);
    parts.push(
      `${s.rejected.toLocaleString('en-US')} unusable llm_usage lines${by.length > 0 ? `: ${by.map(([why, n]) => `${n.toLocaleString('en-US')} × ${why}`).join('; ')}` : ''}`,
    );
  }
  if ((s.gaps ?? 0) > 0) parts.push(`lines lost to rotation ${s.gaps} time(s), last: ${s.lastGap ?? '?'}`);
  return `  ${s.service} (${s.kind}): ${parts.join('; ')}\n`;
}

export function usageText(r: UsageReport): string {
  const period = r.period.kind === 'day' ? r.period.day : r.period.month;
  const head = `Usage ${period} (${r.timezone}), by ${r.by}`;
  const problems = (r.sources ?? []).filter(
    (s) => !s.ok || s.error !== null || s.rejected > 0 || (s.gaps ?? 0) > 0,
  );
  const notes = problems.map(sourceNote).join('');
  const tail = notes === '' ? '' : `\nUsage sources with problems:\n${notes}`;
  if (r.rows.length === 0) return `${head}\nNo usage recorded.\n${tail}`;
  const rows = [
    [
      r.by.toUpperCase(),
      'REQUESTS',
      'INPUT',
      'OUTPUT',
      'REASONING',
      'CACHE READ',
      'CACHE WRITE',
      'COST',
      'UNPRICED',
    ],
  ];
  const line = (key: string, t: UsageReport['total']) => [
    key,
    compact(t.requests),
    compact(t.tokens.input),
    compact(t.tokens.output),
    compact(t.tokens.reasoning),
    compact(t.tokens.cacheRead),
    compact(t.tokens.cacheWrite + t.tokens.cacheWrite1h),
    `${formatCost(t.costMicro, t.unpricedRequests)}${t.reportedMicro > 0 ? (t.reportedMicro === t.costMicro ? ' (reported)' : ' (part reported)') : ''}`,
    t.unpricedRequests > 0 || t.unpricedTokens > 0
      ? `${compact(t.unpricedRequests)} req, ${compact(t.unpricedTokens)} tok`
      : '-',
  ];
  for (const row of r.rows) rows.push(line(row.key, row));
  if (r.rows.length > 1) rows.push(line('TOTAL', r.total));
  let out = `${head}\n${table(rows)}\n`;
  if (r.unpricedModels.length > 0) {
    out += `\nUnpriced (no known price, not in the cost; add them under "pricing:" in the manifest):\n`;
    for (const m of r.unpricedModels)
      out += `  ${m.model} (${m.service}): ${compact(m.requests)} requests, ${compact(m.tokens)} tokens\n`;
  }
  return out + tail;
}

/** A cap in effect, as every line of `vigil budget` shows it: its amount, and whether resume lifted it. */
export function capText(capMicro: number, lifted: boolean): string {
  return lifted ? `${formatUsd(capMicro)} (lifted)` : formatUsd(capMicro);
}

export function budgetText(b: BudgetStatusDoc, now: number): string {
  const lines: string[] = [];
  const ofCap = (spend: number, cap: number | null, lifted = false) =>
    cap === null ? formatUsd(spend) : `${formatUsd(spend)} of ${capText(Math.round(cap * 1e6), lifted)}`;
  lines.push(`Budget (${b.timezone}): ${b.state.toUpperCase()}`);
  lines.push(
    `  today ${b.day}: ${ofCap(b.todayMicro, b.dailyUsd, b.dailyLifted)}    month ${b.month}: ${ofCap(b.monthMicro, b.monthlyUsd)}`,
  );
  if (b.hourlyUsd !== null)
    lines.push(
      `  this hour ${b.hour.hour.slice(11)}:00: ${ofCap(b.hour.spendMicro, b.hourlyUsd)}${b.hour.pct === null ? '' : ` (${b.hour.pct.toFixed(1)} %)`}`,
    );
  if (!b.configured)
    lines.push(
      '  No budget configured: add "budget:" (dailyUsd, monthlyUsd, services…) to the manifest and apply it.',
    );
  if (b.scopes.length > 0) {
    const rows = [['CAP', 'PERIOD', 'SPENT', 'CAP USD', '%', 'AT 100 %']];
    for (const s of b.scopes) {
      const action = s.onExceed === 'stop' && s.targets.length > 0 ? `stop ${s.targets.join(', ')}` : 'alert';
      rows.push([
        s.label,
        s.period,
        formatUsd(s.spendMicro),
        capText(s.capMicro, s.lifted),
        s.pct === null ? '∞' : s.pct.toFixed(1),
        action,
      ]);
    }
    lines.push('', table(rows));
  }
  if (b.stopped.length > 0) {
    lines.push('', 'Stopped for spend (resume with: vigil budget resume [--add USD]):');
    for (const s of b.stopped) {
      const mins = Math.max(0, Math.round((now - Date.parse(s.at)) / 60_000));
      lines.push(
        `  ${s.service}: ${s.scope === 'daily' ? 'daily budget' : s.scope === 'monthly' ? 'monthly budget' : 'its daily cap'} ${s.period} (${formatUsd(s.spendMicro)} of ${formatUsd(s.capMicro)}), ${mins} min ago`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function resumeText(r: BudgetResumeResponse): string {
  const lines: string[] = [];
  for (const x of r.raised) {
    lines.push(
      x.lifted
        ? `Lifted ${x.scope} for ${x.period} (alerts still fire).`
        : `Raised ${x.scope} for ${x.period} to ${formatUsd(x.capMicro ?? 0)}.`,
    );
  }
  lines.push(r.resumed.length > 0 ? `Started: ${r.resumed.join(', ')}.` : 'Nothing was stopped for spend.');
  return `${lines.join('\n')}\n`;
}
