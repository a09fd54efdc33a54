/**
 * The metric alert rules evaluated: each rule's value for a service now, against its threshold, and the
 * `forSec` pending semantics of Prometheus' `for:` (a condition alerts once it has held that long; it
 * clears the moment it no longer holds). Pure: the caller feeds the scrapes, samples and time.
 */
import type { Severity } from '../events.js';
import { fmtDuration } from './clock-time.js';
import { histogramQuantile } from './metric-math.js';
import { METRIC_RULE_IDS, type MetricRuleId, type MetricRuleName, type MetricRules } from './metric-rules.js';
import type { MetricWindow } from './metric-window.js';
import type { MetricNames } from './metric-rules.js';

export interface MetricInputs {
  service: string;
  rules: MetricRules;
  /** Its metric names; null: it has no metrics.url (only the memory rule can apply). */
  names: MetricNames | null;
  /** Its scrapes; null: nothing (fresh) scraped — the scraped rules read as no data. */
  window: MetricWindow | null;
  /** Memory now and its limit (bytes), from the resource samples. */
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  /** budget.hourlyUsd, when set. */
  hourlyUsd: number | null;
}

/** A rule's reading: null value = no data to judge by (too few scrapes, no requests in the window…). */
export interface Reading {
  rule: MetricRuleName;
  value: number | null;
  threshold: number;
  above: boolean;
  forSec: number;
  severity: Severity;
  /** "error rate 12.5 % over 5 min (threshold 5 %)". */
  text: string;
}

const pct = (v: number) => `${Math.round(v * 10) / 10} %`;
const secs = (v: number) => `${Math.round(v * 1000) / 1000} s`;
const usd = (v: number) => `$${v.toFixed(2)}`;
const num = (v: number) => `${Math.round(v * 10) / 10}`;
const over = (windowSec: number) => `over ${fmtDuration(windowSec * 1000)}`;

/** Every enabled rule's reading for one service (rules that cannot apply to it are left out). */
export function readRules(x: MetricInputs, now: number): Reading[] {
  const out: Reading[] = [];
  const r = x.rules;
  const w = x.window;
  const push = (
    rule: MetricRuleName,
    value: number | null,
    threshold: number,
    text: (v: number) => string,
    c: { forSec: number; severity: Severity },
  ) => {
    const ok = value !== null && Number.isFinite(value);
    out.push({
      rule,
      value: ok ? value : null,
      threshold,
      above: ok && value > threshold,
      forSec: c.forSec,
      severity: c.severity,
      text: ok ? text(value) : 'no data',
    });
  };
  const names = x.names;
  if (r.errorRate && names) {
    const ms = r.errorRate.windowSec * 1000;
    const total = w ? w.counterSum(ms, now, names.requests) : null;
    const errors = w ? w.counterSum(ms, now, names.requests, { label: 'status', value: 'error' }) : null;
    const v = total !== null && errors !== null && total > 0 ? (errors / total) * 100 : null;
    push(
      'errorRate',
      v,
      r.errorRate.abovePercent,
      (v) =>
        `error rate ${pct(v)} ${over(r.errorRate ? r.errorRate.windowSec : 0)} (${num(errors ?? 0)} of ${num(total ?? 0)} requests; threshold ${pct(r.errorRate ? r.errorRate.abovePercent : 0)})`,
      r.errorRate,
    );
  }
  if (r.latencyP95 && names) {
    const rule = r.latencyP95;
    const b = w ? w.buckets(rule.windowSec * 1000, now) : null;
    const v = b === null ? null : histogramQuantile(0.95, b);
    push(
      'latencyP95',
      v,
      rule.aboveSec,
      (v) => `p95 request latency ${secs(v)} ${over(rule.windowSec)} (threshold ${secs(rule.aboveSec)})`,
      rule,
    );
  }
  if (r.memory && x.memoryLimitBytes !== null && x.memoryLimitBytes > 0) {
    const rule = r.memory;
    const v = x.memoryBytes === null ? null : (x.memoryBytes / x.memoryLimitBytes) * 100;
    const mb = (b: number) => `${Math.round(b / 1048576)} MB`;
    push(
      'memory',
      v,
      rule.abovePercentOfLimit,
      (v) =>
        `memory ${mb(x.memoryBytes ?? 0)}, ${pct(v)} of its ${mb(x.memoryLimitBytes ?? 0)} limit (threshold ${pct(rule.abovePercentOfLimit)})`,
      rule,
    );
  }
  if (r.costPerHour && names && x.hourlyUsd !== null) {
    const rule = r.costPerHour;
    const g = w ? w.gauge(names.costPerHour) : null;
    const v = g === null ? null : g.reduce((a, s) => a + s.value, 0);
    const threshold = rule.aboveFactorOfHourlyBudget * x.hourlyUsd;
    push(
      'costPerHour',
      v,
      threshold,
      (v) =>
        `cost per hour ${usd(v)} (threshold ${usd(threshold)}: ${num(rule.aboveFactorOfHourlyBudget)}× the hourly budget of ${usd(x.hourlyUsd ?? 0)})`,
      rule,
    );
  }
  if (r.circuitBreaker && names) {
    const g = w ? w.gauge(names.circuitBreaker) : null;
    const open = g?.filter((s) => s.value > 0) ?? [];
    const v = g === null ? null : open.length;
    push(
      'circuitBreaker',
      v,
      0,
      (v) =>
        `${v} open circuit breaker${v === 1 ? '' : 's'}${open.length > 0 ? `: ${open.map((s) => (s.series === '{}' ? names.circuitBreaker : s.series)).join(', ')}` : ''} (threshold: any open)`,
      r.circuitBreaker,
    );
  }
  if (r.tokensPerRequest && names) {
    const rule = r.tokensPerRequest;
    const ms = rule.windowSec * 1000;
    const tokens = w ? w.counterSum(ms, now, names.tokens) : null;
    const requests = w ? w.counterSum(ms, now, names.requests) : null;
    const day = w ? w.day(now) : { tokens: 0, requests: 0 };
    const avg = day.requests > 0 ? day.tokens / day.requests : null;
    const v = tokens !== null && requests !== null && requests > 0 && avg !== null ? tokens / requests : null;
    const threshold = avg === null ? Infinity : rule.aboveFactorOfDailyAverage * avg;
    push(
      'tokensPerRequest',
      v,
      threshold,
      (v) =>
        `${num(v)} tokens per request ${over(rule.windowSec)} (threshold ${num(threshold)}: ${num(rule.aboveFactorOfDailyAverage)}× the daily average of ${num(avg ?? 0)})`,
      rule,
    );
  }
  return out;
}

/** A condition that has held for its `forSec`: what the alert engine takes. */
export interface MetricCondition {
  key: string;
  rule: MetricRuleId;
  service: string;
  severity: Severity;
  since: number;
  message: string;
}

interface Track {
  /** When the condition began to hold. */
  since: number;
  firing: boolean;
  /** Last time it was seen holding (a reading with data). */
  seenAt: number;
  /** What the last reading with data said (shown while there is none). */
  text: string;
}

/**
 * The `for:` semantics over readings: a condition is pending from the first reading above its threshold,
 * firing once it has been above for `forSec`, and gone at the first reading at or below it. A reading
 * without data (a failed scrape, an empty window) neither starts nor ends a condition, for at most `holdMs`:
 * then a condition that nobody can see any more is dropped (its alert resolves).
 */
export class ConditionTracker {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly holdMs: (service: string) => number) {}

  /**
   * Alerts the engine still has firing (after an agent restart): they stay firing, with their last text,
   * while the first scrapes come in, and fire on without a new forSec wait if the condition still holds.
   */
  seed(alerts: readonly { key: string; message: string }[], now: number): void {
    for (const a of alerts) {
      const service = a.key.slice(a.key.indexOf(':') + 1);
      const text = a.message.startsWith(`${service}: `) ? a.message.slice(service.length + 2) : a.message;
      if (!this.tracks.has(a.key)) this.tracks.set(a.key, { since: now, firing: true, seenAt: now, text });
    }
  }

  step(service: string, readings: readonly Reading[], now: number): MetricCondition[] {
    const out: MetricCondition[] = [];
    const seen = new Set<string>();
    for (const r of readings) {
      const id = METRIC_RULE_IDS[r.rule];
      const key = `${id}:${service}`;
      seen.add(key);
      let t = this.tracks.get(key);
      if (r.value === null) {
        if (t && now - t.seenAt > this.holdMs(service)) this.tracks.delete(key);
        else if (t?.firing) out.push(this.condition(key, id, service, r, t));
        continue;
      }
      if (!r.above) {
        this.tracks.delete(key);
        continue;
      }
      if (!t) this.tracks.set(key, (t = { since: now, firing: false, seenAt: now, text: r.text }));
      t.seenAt = now;
      t.text = r.text;
      if (!t.firing && now - t.since >= r.forSec * 1000) t.firing = true;
      if (t.firing) out.push(this.condition(key, id, service, r, t));
    }
    // A rule switched off (or no longer applying) ends its condition.
    for (const k of [...this.tracks.keys()])
      if (k.slice(k.indexOf(':') + 1) === service && !seen.has(k)) this.tracks.delete(k);
    return out;
  }

  /** Services no longer there: their conditions go. */
  retain(services: ReadonlySet<string>): void {
    for (const k of [...this.tracks.keys()])
      if (!services.has(k.slice(k.indexOf(':') + 1))) this.tracks.delete(k);
  }

  private condition(key: string, rule: MetricRuleId, service: string, r: Reading, t: Track): MetricCondition {
    return { key, rule, service, severity: r.severity, since: t.since, message: `${service}: ${t.text}` };
  }
}
