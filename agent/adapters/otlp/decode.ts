/**
 * Decodes OTLP export requests with protobufjs and the official opentelemetry-proto files vendored under
 * vendor/opentelemetry-proto (their licence and version are beside them). Protobuf and JSON bodies come out
 * in the same shape (core/otlp/wire.ts): lowerCamelCase fields, 64-bit integers as decimal text, enums as
 * numbers. Loaded only when the manifest has `otlp:` (the daemon imports this module lazily).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { VigilError } from '../../core/errors.js';
import type { LogsRequest, MetricsRequest } from '../../core/otlp/wire.js';

const FILES = [
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
];

/** vendor/opentelemetry-proto from this file, in the source tree (agent/…) or the build (dist/agent/…). */
function protoDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'vendor', 'opentelemetry-proto');
    if (existsSync(path.join(candidate, FILES[0]!))) return candidate;
    dir = path.dirname(dir);
  }
  throw new VigilError('E_IO', 'the OpenTelemetry protocol files (vendor/opentelemetry-proto) are missing');
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: String,
  defaults: false,
  arrays: true,
  json: true,
};

/**
 * Fields of the data points that are not usage (a histogram's buckets and bounds, exemplars): removed from
 * the decoder's copy of the types, so it skips their bytes as unknown fields instead of building millions of
 * 64-bit values that would cost most of the decoding. The vendored files stay as they are.
 */
const NOT_USAGE: readonly [string, readonly string[]][] = [
  ['opentelemetry.proto.metrics.v1.HistogramDataPoint', ['bucketCounts', 'explicitBounds', 'exemplars']],
  ['opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint', ['positive', 'negative', 'exemplars']],
  ['opentelemetry.proto.metrics.v1.NumberDataPoint', ['exemplars']],
  ['opentelemetry.proto.metrics.v1.SummaryDataPoint', ['quantileValues']],
];

function dropNotUsage(root: protobuf.Root): void {
  for (const [name, fields] of NOT_USAGE) {
    const type = root.lookupType(name);
    for (const f of fields) {
      const field = type.fields[f];
      if (field) type.remove(field);
    }
  }
}

export class OtlpDecoder {
  private readonly metricsType: protobuf.Type;
  private readonly logsType: protobuf.Type;

  constructor() {
    const dir = protoDir();
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
    root.loadSync(FILES, { keepCase: false });
    dropNotUsage(root);
    root.resolveAll();
    this.metricsType = root.lookupType(
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    );
    this.logsType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
  }

  metrics(body: Uint8Array, json: boolean): MetricsRequest {
    return this.decode(this.metricsType, body, json) as MetricsRequest;
  }

  logs(body: Uint8Array, json: boolean): LogsRequest {
    return this.decode(this.logsType, body, json) as LogsRequest;
  }

  private decode(type: protobuf.Type, body: Uint8Array, json: boolean): unknown {
    if (!json) {
      let msg: protobuf.Message;
      try {
        msg = type.decode(body);
      } catch (err) {
        throw new VigilError(
          'E_OTLP_DECODE',
          `not a valid OTLP protobuf ${type.name}: ${(err as Error).message}`,
        );
      }
      return type.toObject(msg, TO_OBJECT);
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    } catch (err) {
      throw new VigilError('E_OTLP_DECODE', `not valid JSON: ${(err as Error).message}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new VigilError('E_OTLP_DECODE', `an OTLP JSON ${type.name} must be an object`);
    try {
      return type.toObject(type.fromObject(data as Record<string, unknown>), TO_OBJECT);
    } catch (err) {
      throw new VigilError('E_OTLP_DECODE', `not a valid OTLP JSON ${type.name}: ${(err as Error).message}`);
    }
  }
}

/** Response bodies in the request's encoding: an empty export response, or google.rpc.Status for an error. */
export function exportResponse(
  json: boolean,
  partial: { rejected: number; message: string } | null,
): Uint8Array | string {
  if (json)
    return JSON.stringify(
      partial === null
        ? {}
        : { partialSuccess: { rejectedDataPoints: String(partial.rejected), errorMessage: partial.message } },
    );
  if (partial === null) return new Uint8Array(0);
  // ExportMetricsServiceResponse.partial_success (field 1) { rejected_data_points = 1; error_message = 2 }
  // (the same numbers for logs' rejected_log_records).
  return protobuf.Writer.create()
    .uint32(10)
    .fork()
    .uint32(8)
    .int64(partial.rejected)
    .uint32(18)
    .string(partial.message)
    .ldelim()
    .finish();
}

/** google.rpc.Status { code = 1; message = 2 } (code 3: INVALID_ARGUMENT). */
export function statusBody(json: boolean, code: number, message: string): Uint8Array | string {
  if (json) return JSON.stringify({ code, message });
  return protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish();
}
