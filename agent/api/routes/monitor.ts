/**
 * Health/resources/alerts routes: resource history for sparklines, alerts with their notifications and
 * deliveries, a test notification, and the Prometheus metrics (text, not JSON) at /metrics.
 */
import type { AlertRule } from '../../core/alerts/model.js';
import type { Severity } from '../../core/events.js';
import type { NotificationRecord, ResourceSeries } from '../../ports/monitor-store.js';
import {
  onlyKeys,
  parseCount,
  parseTimeParam,
  usageError,
  type NoParams,
  type NoQuery,
  type QueryCodec,
  type QueryCodecs,
  type RouteSpec,
} from '../route-spec.js';

export type {
  NotificationRecord,
  ResourceSeries,
  ResourceSeriesPoint,
  DeliveryRecord,
} from '../../ports/monitor-store.js';

export interface ResourcesQuery {
  /** One service (or "agent"); all of them when absent. */
  service?: string;
  /** Start (ms or ISO); default one hour ago. */
  since?: number;
  /** End (ms or ISO); default now. */
  until?: number;
  /** Most points per series (1–2000); default 120. */
  points?: number;
}

export interface ResourcesResponse {
  now: number;
  series: ResourceSeries[];
}

export interface AlertView {
  key: string;
  rule: AlertRule;
  service: string | null;
  severity: Severity;
  /** ISO time it fired. */
  since: string;
  message: string;
  /** A notice went out (or waits in the digest). */
  notified: boolean;
  /** Fired within its cooldown: sent when the cooldown ends if it still fires. */
  pending: boolean;
}

export interface AlertsQuery {
  /** Newest notifications to include (1–500); default 50. */
  limit?: number;
}

export interface AlertsResponse {
  firing: AlertView[];
  /** Notice of quiet hours (held notices wait for the digest). */
  quietNow: boolean;
  channels: string[];
  notifications: NotificationRecord[];
}

export interface AlertTestResponse {
  notification: NotificationRecord | null;
}

/** The text body of GET /metrics (Prometheus exposition format). */
export type MetricsText = string;

export const MONITOR_ROUTES = {
  resources: { method: 'GET', path: '/api/resources' },
  alerts: { method: 'GET', path: '/api/alerts' },
  alertTest: { method: 'POST', path: '/api/alerts/test' },
  metrics: { method: 'GET', path: '/metrics', contentType: 'text/plain; version=0.0.4; charset=utf-8' },
} as const satisfies Record<string, RouteSpec>;

export interface MonitorRouteTypes {
  resources: { params: NoParams; query: ResourcesQuery; body: undefined; response: ResourcesResponse };
  alerts: { params: NoParams; query: AlertsQuery; body: undefined; response: AlertsResponse };
  alertTest: { params: NoParams; query: NoQuery; body: undefined; response: AlertTestResponse };
  metrics: { params: NoParams; query: NoQuery; body: undefined; response: MetricsText };
}

const RESOURCE_KEYS = new Set(['service', 'since', 'until', 'points']);

const resourcesCodec: QueryCodec<ResourcesQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.service !== undefined) sp.set('service', q.service);
    if (q.since !== undefined) sp.set('since', String(q.since));
    if (q.until !== undefined) sp.set('until', String(q.until));
    if (q.points !== undefined) sp.set('points', String(q.points));
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, RESOURCE_KEYS, '/api/resources');
    const q: ResourcesQuery = {};
    const service = sp.get('service');
    if (service !== null && service !== '') q.service = service;
    const since = sp.get('since');
    if (since !== null) q.since = parseTimeParam(since);
    const until = sp.get('until');
    if (until !== null) q.until = parseTimeParam(until);
    if (q.since !== undefined && q.until !== undefined && q.until <= q.since)
      throw usageError('until must be after since');
    const points = sp.get('points');
    if (points !== null) q.points = parseCount('points', points, 1, 2000);
    return q;
  },
};

const alertsCodec: QueryCodec<AlertsQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.limit !== undefined) sp.set('limit', String(q.limit));
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, new Set(['limit']), '/api/alerts');
    const limit = sp.get('limit');
    return limit === null ? {} : { limit: parseCount('limit', limit, 1, 500) };
  },
};

export const MONITOR_QUERY_CODECS: QueryCodecs<MonitorRouteTypes> = {
  resources: resourcesCodec,
  alerts: alertsCodec,
};
