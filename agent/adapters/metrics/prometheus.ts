/**
 * The agent's Prometheus metrics (other features add theirs to the same LazyMetrics). Values are computed
 * when scraped (collect callbacks), so an unscraped agent pays nothing, not even loading prom-client.
 */
import type { Registry } from 'prom-client';
import { agentMetrics, type LazyMetrics, type PromClient } from './lazy-metrics.js';
import type { StatusDoc } from '../../core/status.js';

export interface MetricsSource {
  /** The status document with health and usage filled in. */
  status(): StatusDoc;
  /** Probe results by outcome since the agent started, per probed service. */
  probeCounts(service: string): Record<'healthy' | 'degraded' | 'down', number> | null;
  /** Latency of the last probe (ms). */
  probeLatencyMs(service: string): number | null;
  firing(): { rule: string; service: string | null; severity: string }[];
}

const STATES = ['running', 'starting', 'stopping', 'stopped', 'failed', 'crashloop', 'unknown'] as const;
const HEALTHS = ['healthy', 'degraded', 'down', 'unknown'] as const;
const NAMES = [
  'vigil_service_up',
  'vigil_service_state',
  'vigil_service_restarts_total',
  'vigil_service_health',
  'vigil_service_cpu_percent',
  'vigil_service_memory_bytes',
  'vigil_health_probes_total',
  'vigil_health_probe_latency_seconds',
  'vigil_alerts_firing',
  'vigil_agent_cpu_percent',
  'vigil_agent_memory_bytes',
];

export function registerVigilMetrics(
  source: MetricsSource,
  metrics: LazyMetrics = agentMetrics,
): { text(): Promise<string>; contentType: string } {
  metrics.add('vigil', NAMES, ({ Counter, Gauge }, registers) => define(source, Counter, Gauge, registers));
  return { text: () => metrics.text(), contentType: metrics.contentType };
}

function define(
  source: MetricsSource,
  Counter: PromClient['Counter'],
  Gauge: PromClient['Gauge'],
  registers: Registry[],
): void {
  let cached: { at: number; doc: StatusDoc } | null = null;
  const doc = (): StatusDoc => {
    const now = Date.now();
    if (!cached || now - cached.at > 200) cached = { at: now, doc: source.status() };
    return cached.doc;
  };
  const lastRestarts = new Map<string, number>();

  new Gauge({
    name: 'vigil_service_up',
    help: '1 when the service is running, else 0',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services) this.set({ service: s.name }, s.state === 'running' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vigil_service_state',
    help: 'The service state (1 for the current one)',
    labelNames: ['service', 'state'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services)
        for (const st of STATES) this.set({ service: s.name, state: st }, s.state === st ? 1 : 0);
    },
  });
  new Counter({
    name: 'vigil_service_restarts_total',
    help: 'Restarts by the service manager seen by the agent',
    labelNames: ['service'],
    registers,
    collect() {
      for (const s of doc().services) {
        const prev = lastRestarts.get(s.name);
        if (prev === undefined) this.inc({ service: s.name }, 0);
        else if (s.restarts > prev) this.inc({ service: s.name }, s.restarts - prev);
        lastRestarts.set(s.name, s.restarts);
      }
    },
  });
  new Gauge({
    name: 'vigil_service_health',
    help: 'The service health (1 for the current one)',
    labelNames: ['service', 'health'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services)
        for (const h of HEALTHS) this.set({ service: s.name, health: h }, s.health === h ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vigil_service_cpu_percent',
    help: 'CPU of the service process tree in % of one core',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services) if (s.cpuPercent != null) this.set({ service: s.name }, s.cpuPercent);
    },
  });
  new Gauge({
    name: 'vigil_service_memory_bytes',
    help: 'Memory of the service process tree',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services)
        if (s.memoryBytes !== null) this.set({ service: s.name }, s.memoryBytes);
    },
  });
  new Counter({
    name: 'vigil_health_probes_total',
    help: 'Health probes by result',
    labelNames: ['service', 'result'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services) {
        const c = source.probeCounts(s.name);
        if (c) for (const [result, n] of Object.entries(c)) this.inc({ service: s.name, result }, n);
      }
    },
  });
  new Gauge({
    name: 'vigil_health_probe_latency_seconds',
    help: 'Latency of the last health probe',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of doc().services) {
        const ms = source.probeLatencyMs(s.name);
        if (ms !== null) this.set({ service: s.name }, ms / 1000);
      }
    },
  });
  new Gauge({
    name: 'vigil_alerts_firing',
    help: 'Alerts firing now (1 each)',
    labelNames: ['rule', 'service', 'severity'],
    registers,
    collect() {
      this.reset();
      for (const a of source.firing())
        this.set({ rule: a.rule, service: a.service ?? '', severity: a.severity }, 1);
    },
  });
  new Gauge({
    name: 'vigil_agent_cpu_percent',
    help: 'CPU of the Vigil agent in % of one core',
    registers,
    collect() {
      const a = doc().agent;
      if (a?.cpuPercent != null) this.set(a.cpuPercent);
    },
  });
  new Gauge({
    name: 'vigil_agent_memory_bytes',
    help: 'Resident memory of the Vigil agent',
    registers,
    collect() {
      const a = doc().agent;
      if (a?.memoryBytes != null) this.set(a.memoryBytes);
    },
  });
}
