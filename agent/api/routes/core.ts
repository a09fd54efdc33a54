/** Core routes: the agent's health, the status document, service actions and the event history/stream. */
import type { ServiceStatus, StatusDoc } from '../../core/status.js';
import type { EventType, VigilEvent } from '../../core/events.js';
import type { EventQuery } from '../../ports/store.js';
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
  type Same,
} from '../route-spec.js';

export const ACTION_VERBS = ['start', 'stop', 'restart'] as const;
export type ActionVerb = (typeof ACTION_VERBS)[number];

export interface ActionResult {
  service: string;
  action: ActionVerb;
  ok: true;
  status: ServiceStatus;
}

export interface EventsResponse {
  events: VigilEvent[];
}

/** Liveness of the agent itself. */
export interface HealthDoc {
  ok: true;
  version: string;
  pid: number;
  startedAt: string;
  /** This agent supervises `vigil demo`'s simulated stack (VIGIL_DEMO=1): the dashboard says so. */
  demo?: true;
}

export const CORE_ROUTES = {
  health: { method: 'GET', path: '/api/health' },
  status: { method: 'GET', path: '/api/status' },
  action: { method: 'POST', path: '/api/services/:name/:verb', params: { verb: ACTION_VERBS } },
  events: { method: 'GET', path: '/api/events', stream: true },
  // Settings were saved that no unit change announces (vigil apply): the agent ticks now and answers after.
  reload: { method: 'POST', path: '/api/reload' },
} as const satisfies Record<string, RouteSpec>;

export interface CoreRouteTypes {
  health: { params: NoParams; query: NoQuery; body: undefined; response: HealthDoc };
  status: { params: NoParams; query: NoQuery; body: undefined; response: StatusDoc };
  action: {
    params: { name: string; verb: ActionVerb };
    query: NoQuery;
    body: undefined;
    response: ActionResult;
  };
  events: { params: NoParams; query: EventQuery; body: undefined; response: EventsResponse };
  reload: { params: NoParams; query: NoQuery; body: undefined; response: { ok: true } };
}

const EVENT_TYPES = [
  'started',
  'stopped',
  'crashed',
  'killed',
  'restarted',
  'crashloop',
  'start-limit-hit',
  'oom-killed',
  'stop-timeout',
  'drift',
  'installed',
  'updated',
  'removed',
  'agent-started',
  'agent-stopped',
  'health-ok',
  'health-degraded',
  'health-down',
  'restarted-unhealthy',
  'alert-firing',
  'alert-resolved',
  'secret-leaked',
  'credential-changed',
  'credential-rotation',
  'budget-threshold',
  'budget-stopped',
  'budget-resumed',
  'spend-spike',
  'runaway',
  'unpriced-model',
  'disk-full',
  'disk-recovered',
] as const satisfies readonly EventType[];
// Compile-time guard: every EventType is listed.
export const EVENT_TYPES_COMPLETE: Same<EventType, (typeof EVENT_TYPES)[number]> = true;

export const MAX_EVENT_LIMIT = 10_000;
const EVENT_QUERY_KEYS = new Set(['since', 'service', 'type', 'limit', 'afterId']);

const eventQueryCodec: QueryCodec<EventQuery> = {
  encode(q) {
    const sp = new URLSearchParams();
    if (q.since !== undefined) sp.set('since', String(q.since));
    if (q.service !== undefined) sp.set('service', q.service);
    if (q.types !== undefined && q.types.length > 0) sp.set('type', q.types.join(','));
    if (q.limit !== undefined) sp.set('limit', String(q.limit));
    if (q.afterId !== undefined) sp.set('afterId', String(q.afterId));
    return sp;
  },
  decode(sp) {
    onlyKeys(sp, EVENT_QUERY_KEYS, '/api/events');
    const q: EventQuery = {};
    const since = sp.get('since');
    if (since !== null) q.since = parseTimeParam(since);
    const service = sp.get('service');
    if (service !== null && service !== '') q.service = service;
    const types = sp
      .getAll('type')
      .flatMap((t) => t.split(','))
      .map((t) => t.trim())
      .filter((t) => t !== '');
    for (const t of types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t)) {
        throw usageError(`unknown event type "${t}" (known: ${EVENT_TYPES.join(', ')})`);
      }
    }
    if (types.length > 0) q.types = types as EventType[];
    const limit = sp.get('limit');
    if (limit !== null) q.limit = parseCount('limit', limit, 1, MAX_EVENT_LIMIT);
    const afterId = sp.get('afterId');
    if (afterId !== null) q.afterId = parseCount('afterId', afterId, 0, Number.MAX_SAFE_INTEGER);
    return q;
  },
};

export const CORE_QUERY_CODECS: QueryCodecs<CoreRouteTypes> = {
  events: eventQueryCodec,
};
