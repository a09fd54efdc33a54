/**
 * Sends token usage to an OTLP/HTTP endpoint with the real OpenTelemetry JS SDK, as a separate process:
 * `node --import tsx test/helpers/otlp-sender.ts '<json plan>'`. The plan (OtlpPlan) names the endpoint,
 * the exporter (http/json or http/protobuf), the temporality, the resource's service.name and what to
 * record; each batch is exported `sends` times (a retry of the very same batch). Prints one JSON line per
 * export: { ok, error }.
 */
import { MeterProvider, MetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ExportResult } from '@opentelemetry/core';

export interface OtlpRecord {
  /** The instrument: a GenAI histogram, Claude Code's or OpenClaw's counters, or a log record. */
  kind: 'genai' | 'claude-code' | 'openclaw' | 'log' | 'other-metric';
  model: string;
  provider?: string;
  /** In the sender's own convention (GenAI: input includes cacheRead). */
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  costUsd?: number;
  /** Log records: the provider's response id. */
  id?: string;
}

export interface OtlpPlan {
  url: string;
  protocol: 'json' | 'proto';
  temporality?: 'delta' | 'cumulative';
  serviceName: string;
  token?: string;
  /** Batches, each collected and exported `sends` times. */
  batches: OtlpRecord[][];
  sends?: number;
  /** Before each resend, print "PAUSE" and wait for a line on stdin (the agent is restarted meanwhile). */
  pause?: boolean;
  /** Print "PAUSE" and wait for a line on stdin before this batch (index) is recorded. */
  pauseBeforeBatch?: number;
}

async function gate(): Promise<void> {
  process.stdout.write('PAUSE\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
}

async function beforeResend(plan: OtlpPlan, i: number): Promise<void> {
  if (i > 0 && plan.pause) await gate();
}

const headersOf = (plan: OtlpPlan): Record<string, string> =>
  plan.token ? { authorization: `Bearer ${plan.token}` } : {};

class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const exported = (r: ExportResult) => ({ ok: r.code === 0, error: r.error?.message ?? null });

async function sendMetrics(
  plan: OtlpPlan,
  records: OtlpRecord[],
  provider: MeterProvider,
  reader: ManualReader,
) {
  const meter = provider.getMeter('vigil-test', '1.0.0');
  const hist = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
  const claude = meter.createCounter('claude_code.token.usage', { unit: 'tokens' });
  const claudeCost = meter.createCounter('claude_code.cost.usage', { unit: 'USD' });
  const ocTokens = meter.createCounter('openclaw.tokens');
  const ocCost = meter.createCounter('openclaw.cost.usd');
  const other = meter.createCounter('process.widgets');
  for (const r of records) {
    if (r.kind === 'genai') {
      const base = {
        'gen_ai.request.model': r.model,
        'gen_ai.provider.name': r.provider ?? 'anthropic',
        'gen_ai.operation.name': 'chat',
      };
      hist.record(r.input ?? 0, { ...base, 'gen_ai.token.type': 'input' });
      hist.record(r.output ?? 0, { ...base, 'gen_ai.token.type': 'output' });
    } else if (r.kind === 'claude-code') {
      const base = { model: r.model, 'session.id': 's1' };
      claude.add(r.input ?? 0, { ...base, type: 'input' });
      claude.add(r.output ?? 0, { ...base, type: 'output' });
      if (r.cacheRead) claude.add(r.cacheRead, { ...base, type: 'cacheRead' });
      if (r.cacheWrite) claude.add(r.cacheWrite, { ...base, type: 'cacheCreation' });
      if (r.costUsd !== undefined) claudeCost.add(r.costUsd, base);
    } else if (r.kind === 'openclaw') {
      const base = { 'openclaw.model': r.model, 'openclaw.provider': r.provider ?? 'openai' };
      ocTokens.add(r.input ?? 0, { ...base, 'openclaw.token': 'input' });
      ocTokens.add(r.output ?? 0, { ...base, 'openclaw.token': 'output' });
      if (r.cacheRead) ocTokens.add(r.cacheRead, { ...base, 'openclaw.token': 'cache_read' });
      ocTokens.add((r.input ?? 0) + (r.cacheRead ?? 0), { ...base, 'openclaw.token': 'prompt' });
      if (r.costUsd !== undefined) ocCost.add(r.costUsd, base);
    } else if (r.kind === 'other-metric') other.add(1);
  }
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(String(errors[0]));
  const opts = {
    url: plan.url,
    headers: headersOf(plan),
    temporalityPreference:
      plan.temporality === 'cumulative' ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
  };
  const exporter = plan.protocol === 'json' ? new JsonMetricExporter(opts) : new ProtoMetricExporter(opts);
  const out = [];
  for (let i = 0; i < (plan.sends ?? 1); i++) {
    await beforeResend(plan, i);
    out.push(await new Promise((resolve) => exporter.export(resourceMetrics, (r) => resolve(exported(r)))));
  }
  await exporter.shutdown();
  return out;
}

async function sendLogs(plan: OtlpPlan, records: OtlpRecord[]) {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': plan.serviceName }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('vigil-test', '1.0.0');
  for (const r of records) {
    logger.emit({
      eventName: 'gen_ai.client.inference.operation.details',
      body: 'gen_ai.client.inference.operation.details',
      attributes: {
        'gen_ai.request.model': r.model,
        'gen_ai.provider.name': r.provider ?? 'anthropic',
        'gen_ai.usage.input_tokens': r.input ?? 0,
        'gen_ai.usage.output_tokens': r.output ?? 0,
        ...(r.cacheRead ? { 'gen_ai.usage.cache_read.input_tokens': r.cacheRead } : {}),
        ...(r.id ? { 'gen_ai.response.id': r.id } : {}),
      },
    });
  }
  await provider.forceFlush();
  const batch = memory.getFinishedLogRecords();
  const opts = { url: plan.url, headers: headersOf(plan) };
  const exporter = plan.protocol === 'json' ? new JsonLogExporter(opts) : new ProtoLogExporter(opts);
  const out = [];
  for (let i = 0; i < (plan.sends ?? 1); i++) {
    await beforeResend(plan, i);
    out.push(await new Promise((resolve) => exporter.export(batch, (r) => resolve(exported(r)))));
  }
  await exporter.shutdown();
  await provider.shutdown();
  return out;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2]!) as OtlpPlan;
  const results = [];
  if (plan.url.endsWith('/v1/logs')) {
    for (const [i, batch] of plan.batches.entries()) {
      if (plan.pauseBeforeBatch === i) await gate();
      results.push(...(await sendLogs(plan, batch)));
    }
  } else {
    // One provider for every batch: a cumulative series keeps growing from one batch to the next.
    const reader = new ManualReader({
      aggregationTemporalitySelector: () =>
        plan.temporality === 'cumulative' ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': plan.serviceName }),
      readers: [reader],
    });
    for (const [i, batch] of plan.batches.entries()) {
      if (plan.pauseBeforeBatch === i) await gate();
      results.push(...(await sendMetrics(plan, batch, provider, reader)));
    }
    await provider.shutdown();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  process.stdin.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
