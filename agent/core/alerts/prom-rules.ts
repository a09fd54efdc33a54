/**
 * `vigil export alerts`: Prometheus alerting rules over the agent's /metrics (and the usage feature's
 * cost metrics), for people who run Prometheus/Alertmanager. Pure data; the CLI serializes it as YAML.
 * Checked with the real `promtool check rules` in the tests.
 */
import { promMetricRules, type MetricRuleTarget } from './prom-metric-rules.js';

export interface PromRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

export interface PromRuleGroup {
  name: string;
  interval?: string;
  rules: PromRule[];
}

export interface PromRulesOptions {
  /** How long a service must be down before it alerts (default 1m). */
  downFor?: string;
  /** Probe failure ratio over 10 minutes that counts as a high error rate (default 0.2). */
  errorRatio?: number;
  /** Share of the daily budget that warns (default 0.8). */
  budgetWarnRatio?: number;
  /** The metric alert rules (group `vigil-metrics`), per service (see prom-metric-rules.ts); none: no such group. */
  metricTargets?: readonly MetricRuleTarget[];
}

/** Services deliberately stopped (state "stopped") are not "down". */
const NOT_STOPPED = 'unless on (service) (vigil_service_state{state="stopped"} == 1)';

/**
 * Today's spend per scraped agent: the agent exports one series per (service, model), the budget has no
 * labels of its own, so the sum keeps only job/instance and matches the budget one-to-one per agent.
 */
const DAY_TOTAL = 'sum without (service, model) (vigil_spend_usd_today)';

export function promAlertRules(opts: PromRulesOptions = {}): { groups: PromRuleGroup[] } {
  const metric =
    opts.metricTargets && opts.metricTargets.length > 0 ? [promMetricRules(opts.metricTargets)] : [];
  const base = baseRules(opts);
  return { groups: [...base.groups, ...metric] };
}

function baseRules(opts: PromRulesOptions): { groups: PromRuleGroup[] } {
  const downFor = opts.downFor ?? '1m';
  const ratio = opts.errorRatio ?? 0.2;
  const warn = opts.budgetWarnRatio ?? 0.8;
  return {
    groups: [
      {
        name: 'vigil-services',
        rules: [
          {
            alert: 'VigilServiceDown',
            expr: `(vigil_service_up == 0) ${NOT_STOPPED}`,
            for: downFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.service }} is down',
              description:
                'The Vigil service {{ $labels.service }} on {{ $labels.instance }} has not been running for ' +
                downFor +
                '.',
            },
          },
          {
            alert: 'VigilServiceUnhealthy',
            expr: `(vigil_service_health{health="down"} == 1) ${NOT_STOPPED}`,
            for: downFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.service }} fails its health check',
              description:
                'The health probe of {{ $labels.service }} on {{ $labels.instance }} has said "down" for ' +
                downFor +
                '.',
            },
          },
          {
            alert: 'VigilServiceDegraded',
            expr: 'vigil_service_health{health="degraded"} == 1',
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ $labels.service }} is degraded',
              description:
                '{{ $labels.service }} on {{ $labels.instance }} has reported a degraded health for 5 minutes.',
            },
          },
          {
            alert: 'VigilServiceCrashLooping',
            // Both sides reduced to the same labels: `or` then keeps one series per service (the state
            // series carries `state`, the counter does not, and unlike label sets would fire twice).
            expr:
              'max by (instance, job, service) (vigil_service_state{state="crashloop"} == 1)' +
              ' or max by (instance, job, service) (increase(vigil_service_restarts_total[15m]) > 3)',
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.service }} is crash-looping',
              description:
                '{{ $labels.service }} on {{ $labels.instance }} keeps crashing and being restarted.',
            },
          },
          {
            alert: 'VigilHighProbeErrorRate',
            expr:
              `(sum by (instance, service) (rate(vigil_health_probes_total{result!="healthy"}[10m]))` +
              ` / sum by (instance, service) (rate(vigil_health_probes_total[10m]))) > ${ratio}`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'High health-check error rate on {{ $labels.service }}',
              description: `More than ${Math.round(ratio * 100)} % of the health probes of {{ $labels.service }} failed over the last 10 minutes ({{ $value | humanizePercentage }}).`,
            },
          },
          {
            alert: 'VigilAgentMissing',
            expr: 'absent(vigil_agent_memory_bytes)',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: 'The Vigil agent reports no metrics',
              description:
                'No vigil_agent_memory_bytes series for 5 minutes: the agent is down or not scraped.',
            },
          },
        ],
      },
      {
        name: 'vigil-cost',
        rules: [
          {
            alert: 'VigilDailyBudgetExceeded',
            expr: `${DAY_TOTAL} > vigil_budget_daily_usd`,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Daily model spend is over budget',
              description:
                'Spend today on {{ $labels.instance }} is {{ $value | printf "%.2f" }} USD, above the daily budget.',
            },
          },
          {
            alert: 'VigilDailyBudgetNearlyExhausted',
            expr: `(${DAY_TOTAL} > ${warn} * vigil_budget_daily_usd) unless (${DAY_TOTAL} > vigil_budget_daily_usd)`,
            labels: { severity: 'warning' },
            annotations: {
              summary: `Daily model spend passed ${Math.round(warn * 100)} % of the budget`,
              description: 'Spend today on {{ $labels.instance }} is {{ $value | printf "%.2f" }} USD.',
            },
          },
          {
            alert: 'VigilMonthlyBudgetExceeded',
            expr: 'sum without (service) (vigil_spend_usd_month) > vigil_budget_monthly_usd',
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Monthly model spend is over budget',
              description:
                'Spend this month on {{ $labels.instance }} is {{ $value | printf "%.2f" }} USD, above the monthly budget.',
            },
          },
          {
            // Critical like the agent's own 100 % notice; with onExceed: stop, VigilServiceStoppedForBudget follows.
            alert: 'VigilServiceBudgetExceeded',
            expr: 'sum without (model) (vigil_spend_usd_today) > vigil_budget_service_daily_usd',
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.service }} is over its daily spend cap',
              description:
                '{{ $labels.service }} on {{ $labels.instance }} spent {{ $value | printf "%.2f" }} USD today, above its daily cap.',
            },
          },
          {
            // The agent has already acted; the service stays down (and VigilServiceDown ignores stopped
            // services) until someone resumes it or the period ends, so it is critical.
            alert: 'VigilServiceStoppedForBudget',
            expr: 'vigil_budget_stopped == 1',
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.service }} was stopped for spend',
              description:
                'Vigil on {{ $labels.instance }} stopped {{ $labels.service }} because a budget was exceeded; it stays stopped until the next budget period or "vigil budget resume".',
            },
          },
        ],
      },
    ],
  };
}
