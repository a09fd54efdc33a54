/**
 * The demo stack's manifest (`vigil demo`): five simulated services from resources/demo/, on loopback
 * ports chosen at install, with a small daily budget and a credential set holding a demo key. Pure.
 */

/** Service names: their units are vigil-demo-<x>.service, their LaunchAgents dev.vigil.demo-<x>. */
export const DEMO_SERVICES = [
  'demo-model-proxy',
  'demo-agent',
  'demo-worker',
  'demo-cron-watchdog',
  'demo-upstream-monitor',
] as const;

export const DEMO_CREDENTIAL_SET = 'demo-provider';
export const DEMO_KEY = 'DEMO_API_KEY';

export interface DemoPorts {
  proxy: number;
  agent: number;
  watchdog: number;
  monitor: number;
  /** The demo's own Vigil agent (dashboard). */
  http: number;
}

/** What the demo's pace can be set to (env VIGIL_DEMO_*), so a test can run it faster, honestly. */
export interface DemoTimings {
  /** demo-agent starts a simulated model call this often (ms). */
  callMs: number;
  /** At most this many calls at once. */
  concurrency: number;
  /** demo-worker's consolidation round (ms). */
  workerMs: number;
  /** demo-upstream-monitor's mean time between crashes (s). */
  crashSec: number;
  /** Simulated model latencies are multiplied by this. */
  latencyScale: number;
  /** The daily budget (USD): the 80 % alert fires within a few minutes at the default pace. */
  budgetUsd: number;
  /** Every this many seconds the simulated provider is overloaded (errors: the error-rate alert). */
  incidentEverySec: number;
}

export const DEFAULT_TIMINGS: DemoTimings = {
  callMs: 2500,
  concurrency: 3,
  workerMs: 20_000,
  crashSec: 150,
  latencyScale: 1,
  budgetUsd: 2,
  incidentEverySec: 420,
};

const ENV_OF: Record<keyof DemoTimings, string> = {
  callMs: 'VIGIL_DEMO_CALL_MS',
  concurrency: 'VIGIL_DEMO_CONCURRENCY',
  workerMs: 'VIGIL_DEMO_WORKER_MS',
  crashSec: 'VIGIL_DEMO_CRASH_SEC',
  latencyScale: 'VIGIL_DEMO_LATENCY_SCALE',
  budgetUsd: 'VIGIL_DEMO_BUDGET_USD',
  incidentEverySec: 'VIGIL_DEMO_INCIDENT_EVERY_SEC',
};

/** The timings from VIGIL_DEMO_* (each a positive number), the defaults otherwise. */
export function demoTimings(env: Readonly<Record<string, string | undefined>>): DemoTimings {
  const out = { ...DEFAULT_TIMINGS };
  for (const key of Object.keys(ENV_OF) as (keyof DemoTimings)[]) {
    const raw = env[ENV_OF[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${ENV_OF[key]} must be a positive number, not "${raw}"`);
    out[key] = n;
  }
  return out;
}

const q = (s: string) => JSON.stringify(s);

/** node: the absolute path of the Node binary; stack: the folder holding the demo scripts. */
export function demoManifest(opts: {
  node: string;
  stack: string;
  ports: DemoPorts;
  timings: DemoTimings;
}): string {
  const { node, stack, ports, timings: t } = opts;
  const script = (name: string) => `[${q(node)}, ${q(`${stack}/${name}.mjs`)}]`;
  const proxyUrl = `http://127.0.0.1:${ports.proxy}`;
  const agentUrl = `http://127.0.0.1:${ports.agent}`;
  const incidentSec = Math.max(20, Math.round(t.incidentEverySec / 6));
  return `# The Vigil demo (\`vigil demo\`): a simulated AI-agent stack. Nothing real is called, no money is spent:
# the model calls are simulated, and the spend shown is what they would have cost.
# Remove everything with \`vigil demo --down\`.
version: 1
services:
  demo-model-proxy:
    description: Model proxy (simulated LiteLLM; answers like Anthropic's API, calls nothing)
    command: ${script('model-proxy')}
    env:
      DEMO_SERVICE: demo-model-proxy
      PORT: "${ports.proxy}"
      DEMO_LATENCY_SCALE: "${t.latencyScale}"
      DEMO_INCIDENT_EVERY_SEC: "${t.incidentEverySec}"
      DEMO_INCIDENT_SEC: "${incidentSec}"
    credentials: [${DEMO_CREDENTIAL_SET}]
    restart: { policy: always, delaySec: 1 }
    health: { url: "${proxyUrl}/health", intervalSec: 2, timeoutSec: 2, stableSec: 4 }
    limits: { memory: 256M }
  demo-agent:
    description: Agent core, routes tasks to three model tiers (simulated calls)
    command: ${script('agent')}
    env:
      DEMO_SERVICE: demo-agent
      PORT: "${ports.agent}"
      PROXY_URL: "${proxyUrl}"
      DEMO_CALL_MS: "${t.callMs}"
      DEMO_CONCURRENCY: "${t.concurrency}"
    dependsOn: { demo-model-proxy: healthy }
    restart: { policy: always, delaySec: 1 }
    health: { url: "${agentUrl}/health", intervalSec: 2, timeoutSec: 2, stableSec: 4 }
    metrics: { url: "${agentUrl}/metrics", intervalSec: 5 }
    usage: { log: true, provider: anthropic, intervalSec: 2 }
    alerts:
      errorRate: { abovePercent: 10, windowSec: 60, forSec: 20 }
      latencyP95: { aboveSec: 15, windowSec: 120, forSec: 30 }
    limits: { memory: 256M }
  demo-worker:
    description: Memory consolidation worker (simulated calls, logs llm_usage)
    command: ${script('worker')}
    env:
      DEMO_SERVICE: demo-worker
      PROXY_URL: "${proxyUrl}"
      DEMO_WORKER_MS: "${t.workerMs}"
    dependsOn: { demo-model-proxy: healthy }
    restart: { policy: on-failure, delaySec: 5 }
    usage: { log: true, provider: anthropic, intervalSec: 2 }
    limits: { memory: 128M }
  demo-cron-watchdog:
    description: Cron watchdog, checks that scheduled agent jobs ran on time
    command: ${script('cron-watchdog')}
    env:
      DEMO_SERVICE: demo-cron-watchdog
      PORT: "${ports.watchdog}"
      AGENT_URL: "${agentUrl}"
    dependsOn: [demo-agent]
    health: { url: "http://127.0.0.1:${ports.watchdog}/health", intervalSec: 5 }
    limits: { memory: 128M }
  demo-upstream-monitor:
    description: Upstream monitor, probes the providers (simulated); crashes now and then
    command: ${script('upstream-monitor')}
    env:
      DEMO_SERVICE: demo-upstream-monitor
      PORT: "${ports.monitor}"
      DEMO_CRASH_SEC: "${t.crashSec}"
    restart: { policy: always, delaySec: 8, burst: 10, intervalSec: 120 }
    health: { url: "http://127.0.0.1:${ports.monitor}/health", intervalSec: 2, timeoutSec: 1, stableSec: 2 }
    limits: { memory: 128M }
budget:
  timezone: UTC
  dailyUsd: ${t.budgetUsd}
  thresholds: [80, 100]
  onExceed: alert
  services:
    demo-worker: { dailyUsd: ${round(t.budgetUsd / 4)}, onExceed: stop }
credentials:
  ${DEMO_CREDENTIAL_SET}: { rotateAfterDays: 30 }
alerts:
  desktop: auto
  downForSec: 4
  cooldownSec: 60
`;
}

function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
