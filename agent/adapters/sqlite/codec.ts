/** Row ↔ value conversion for the SQLite store: JSON columns, optional fields, camelCase. */
import type { ExitInfo, EventType, NewEvent, Severity, VigilEvent } from '../../core/events.js';
import type { HealthSpec, ServiceSpec } from '../../core/manifest/model.js';
import { probeOf } from '../../core/health/probe-spec.js';
import type { ServiceRecord } from '../../ports/store.js';

export interface EventRow {
  id: number;
  key: string;
  at: number;
  service: string | null;
  type: string;
  severity: string;
  message: string;
  exit: string | null;
  log_tail: string | null;
  data: string | null;
}

export interface ServiceRow {
  name: string;
  unit: string;
  spec: string;
  hash: string;
  installed_at: number;
  updated_at: number;
}

/** The bind parameters of an event insert (named, matching the column names). */
export function eventParams(e: NewEvent): Omit<EventRow, 'id'> {
  return {
    key: e.key,
    at: e.at,
    service: e.service,
    type: e.type,
    severity: e.severity,
    message: e.message,
    exit: e.exit === undefined ? null : JSON.stringify(e.exit),
    log_tail: e.logTail === undefined ? null : JSON.stringify(e.logTail),
    data: e.data === undefined ? null : JSON.stringify(e.data),
  };
}

/** An event as stored: optional fields are present only when they hold something. */
export function eventFromRow(row: EventRow): VigilEvent {
  const event: VigilEvent = {
    id: row.id,
    key: row.key,
    at: row.at,
    service: row.service,
    type: row.type as EventType,
    severity: row.severity as Severity,
    message: row.message,
  };
  if (row.exit !== null) event.exit = JSON.parse(row.exit) as ExitInfo;
  if (row.log_tail !== null) event.logTail = JSON.parse(row.log_tail) as string[];
  if (row.data !== null) event.data = JSON.parse(row.data) as Record<string, unknown>;
  return event;
}

/**
 * A ServiceSpec uses `undefined` (never null) for absent values; JSON would drop those keys, so they
 * are written as null and turned back into undefined on read, and the spec round-trips exactly.
 */
export function encodeSpec(spec: ServiceSpec): string {
  return JSON.stringify(spec, (_key, value: unknown) => (value === undefined ? null : value));
}

export function decodeSpec(text: string): ServiceSpec {
  const spec = nullsToUndefined(JSON.parse(text)) as ServiceSpec;
  // Records written before probe kinds existed carry `health.url` and no `health.probe`.
  if (spec.health && !(spec.health as Partial<HealthSpec>).probe) {
    const { url, ...rest } = spec.health as HealthSpec & { url?: string };
    const probe = probeOf({ url });
    spec.health = probe ? { ...rest, probe } : undefined;
  }
  return spec;
}

function nullsToUndefined(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(nullsToUndefined);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = nullsToUndefined(v);
    return out;
  }
  return value;
}

export function serviceParams(r: ServiceRecord): ServiceRow {
  return {
    name: r.name,
    unit: r.unit,
    spec: encodeSpec(r.spec),
    hash: r.hash,
    installed_at: r.installedAt,
    updated_at: r.updatedAt,
  };
}

export function serviceFromRow(row: ServiceRow): ServiceRecord {
  return {
    name: row.name,
    unit: row.unit,
    spec: decodeSpec(row.spec),
    hash: row.hash,
    installedAt: row.installed_at,
    updatedAt: row.updated_at,
  };
}
