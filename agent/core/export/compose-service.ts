/** One service of a compose.yaml, from its ServiceSpec. Pure. */
import type { Manifest, ServiceSpec } from '../manifest/model.js';
import type { ProbeSpec } from '../health/probe-spec.js';
import { logSettings } from '../manifest/logs-settings.js';
import { stopTimeoutOf } from '../manifest/stop-settings.js';
import { containerArgv, containerCwd, containerPath, peerEnv } from './paths.js';
import { composeBytes, composeCpus } from './units.js';
import { replicaCount } from './replicas.js';

/** Where the env file of a credential set is, relative to compose.yaml. */
export function composeEnvFile(set: string): string {
  return `secrets/${set}.env`;
}

export function composeService(
  spec: ServiceSpec,
  manifest: Manifest,
  build: { context: string; dockerfile: string },
  baseDir: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { build };
  const env = peerEnv(spec, manifest);
  out.command = containerArgv(spec, baseDir);
  out.working_dir = containerCwd(spec, baseDir);
  if (Object.keys(env).length > 0) out.environment = env;
  if (spec.credentials.length > 0) out.env_file = spec.credentials.map(composeEnvFile);
  out.restart = spec.restart.policy;
  if (spec.health) {
    const h = spec.health;
    out.healthcheck = {
      test: healthTest(h.probe, h.timeoutSec, baseDir),
      interval: `${h.intervalSec}s`,
      timeout: `${h.timeoutSec}s`,
      retries: h.restartAfterFailures ?? 3,
    };
  }
  if (spec.dependsOn.length > 0) {
    const healthy = new Set((spec.waitFor ?? []).map((w) => w.service));
    out.depends_on = Object.fromEntries(
      spec.dependsOn.map((d) => [d, { condition: healthy.has(d) ? 'service_healthy' : 'service_started' }]),
    );
  }
  out.stop_grace_period = `${stopTimeoutOf(spec)}s`;
  const limits: Record<string, string> = {};
  if (spec.limits.cpuPercent !== undefined) limits.cpus = composeCpus(spec.limits.cpuPercent);
  if (spec.limits.memoryBytes !== undefined) limits.memory = composeBytes(spec.limits.memoryBytes);
  const replicas = replicaCount(spec);
  if (replicas > 1 || Object.keys(limits).length > 0)
    out.deploy = {
      ...(replicas > 1 ? { replicas } : {}),
      ...(Object.keys(limits).length > 0 ? { resources: { limits } } : {}),
    };
  const logs = logSettings(spec);
  out.logging = {
    driver: 'json-file',
    // json-file counts the current file too; Vigil's `keep` counts only the rotated ones.
    options: { 'max-size': composeBytes(logs.maxBytes), 'max-file': String(logs.keep + 1) },
  };
  return escapeDollars(out) as Record<string, unknown>;
}

/** The probe as a container healthcheck; it runs inside the container, where 127.0.0.1 is the service. */
function healthTest(probe: ProbeSpec, timeoutSec: number, baseDir: string): string[] {
  switch (probe.kind) {
    case 'http':
      return ['CMD', 'curl', '-fsS', '-o', '/dev/null', '--max-time', String(timeoutSec), probe.url];
    case 'tcp':
      // bash's /dev/tcp: no netcat needed. $0 and $1 are the arguments after the script ($$ for Compose).
      return ['CMD', 'bash', '-c', 'exec 3<>/dev/tcp/$0/$1', probe.host, String(probe.port)];
    case 'exec':
      return ['CMD', ...probe.argv.map((a, i) => (i === 0 ? containerPath(a, baseDir) : a))];
  }
}

/** Compose interpolates "$VAR" in every value; a "$" that Vigil passes as written is "$$" there. */
function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$/g, '$$$$');
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDollars(x)]));
  return v;
}
