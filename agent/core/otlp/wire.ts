/**
 * The OTLP request shapes Vigil reads, as the decoder hands them over (protobuf or JSON decoded alike, with
 * lowerCamelCase field names, 64-bit integers as decimal strings and enums as numbers). Only the fields used
 * are listed; everything else a sender puts in a request is ignored.
 */

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}

export interface KeyValue {
  key?: string;
  value?: AnyValue;
}

export interface Resource {
  attributes?: KeyValue[];
}

export interface Scope {
  name?: string;
  version?: string;
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string | number;
  timeUnixNano?: string | number;
  asInt?: string | number;
  asDouble?: number | string;
}

export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string | number;
  timeUnixNano?: string | number;
  count?: string | number;
  sum?: number | string;
}

/** AggregationTemporality: 1 delta, 2 cumulative (0 is not allowed). */
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;

export interface Metric {
  name?: string;
  unit?: string;
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  gauge?: { dataPoints?: NumberDataPoint[] };
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
  summary?: unknown;
}

export interface MetricsRequest {
  resourceMetrics?: { resource?: Resource; scopeMetrics?: { scope?: Scope; metrics?: Metric[] }[] }[];
}

export interface LogRecord {
  timeUnixNano?: string | number;
  observedTimeUnixNano?: string | number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: string;
  spanId?: string;
}

export interface LogsRequest {
  resourceLogs?: { resource?: Resource; scopeLogs?: { scope?: Scope; logRecords?: LogRecord[] }[] }[];
}

export type AttrValue = string | number | boolean;

/** An attribute list as a map (arrays and maps as their JSON text; the first of repeated keys wins). */
export function attrMap(list: readonly KeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = Object.create(null) as Record<string, AttrValue>;
  for (const kv of list ?? []) {
    if (typeof kv.key !== 'string' || kv.key in out) continue;
    const v = anyValue(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

function anyValue(v: AnyValue | undefined): AttrValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) return JSON.stringify((v.arrayValue.values ?? []).map(anyValue));
  if (v.kvlistValue !== undefined) return JSON.stringify(attrMap(v.kvlistValue.values));
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return undefined;
}

/** The attributes as one canonical text (sorted keys): the same attributes always give the same text. */
export function canonical(attrs: Readonly<Record<string, AttrValue>>): string {
  return JSON.stringify(
    Object.keys(attrs)
      .sort()
      .map((k) => [k, attrs[k]]),
  );
}

/** A string attribute (numbers and booleans as text), or null. */
export function text(attrs: Readonly<Record<string, AttrValue>>, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return null;
}

/** Nanoseconds since the epoch (decimal text or number) → milliseconds; null when absent or 0. */
export function nanosToMs(ns: string | number | undefined): number | null {
  if (ns === undefined || ns === null || ns === '' || ns === 0 || ns === '0') return null;
  if (typeof ns === 'number') return Number.isFinite(ns) && ns > 0 ? Math.floor(ns / 1e6) : null;
  if (!/^\d{1,20}$/.test(ns)) return null;
  return ns.length <= 6 ? 0 : Number(ns.slice(0, -6));
}

/** A time as the canonical decimal text of its nanoseconds ("0" when absent). */
export function nanosText(ns: string | number | undefined): string {
  if (ns === undefined || ns === null || ns === '') return '0';
  if (typeof ns === 'number') return Number.isFinite(ns) ? BigInt(Math.trunc(ns)).toString() : '0';
  if (/^[1-9]\d{0,19}$/.test(ns)) return ns; // already canonical (what decoders give)
  return /^\d{1,20}$/.test(ns) ? BigInt(ns).toString() : '0';
}
