/** Alerts and the notifications they cause. Pure types. */
import type { Severity } from '../events.js';
import type { MetricRuleId } from './metric-rules.js';

export type AlertRule =
  'service-down' | 'crash-loop' | 'health-degraded' | 'unit-drift' | 'agent-restarted' | MetricRuleId;

/** One alert (a rule for a service) as the engine remembers it. */
export interface AlertState {
  /** `rule:service` (or `agent-restarted:<time>` for one-shots). */
  key: string;
  rule: AlertRule;
  service: string | null;
  severity: Severity;
  firing: boolean;
  /** When the condition began (firing) or the alert fired last. */
  since: number;
  resolvedAt: number | null;
  message: string;
  /** When a firing notice for this key last went out (cooldown). */
  notifiedAt: number | null;
  /** The current firing episode has been notified (so its recovery will be too). */
  notified: boolean;
  /** Fired inside the cooldown: notify when the cooldown ends if it still fires. */
  pending: boolean;
}

export type NotificationKind = 'firing' | 'resolved' | 'digest' | 'test';

export interface DigestItem {
  alertKey: string | null;
  severity: Severity;
  title: string;
  at: number;
  /** Set when the alert recovered before the digest went out. */
  resolvedAt: number | null;
}

export interface Notification {
  /** Unique and stable: `kind:alertKey:at`. */
  id: string;
  kind: NotificationKind;
  severity: Severity;
  /** One line: "proxy is down". */
  title: string;
  /** Details: the reason, how long, the host. */
  text: string;
  service: string | null;
  rule: AlertRule | null;
  alertKey: string | null;
  at: number;
  /** A digest's entries. */
  items?: DigestItem[];
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

export function atLeast(s: Severity, min: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[min];
}
