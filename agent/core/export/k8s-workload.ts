/** A service's Kubernetes objects: ConfigMap (non-secret env), Deployment, Service. Pure. */
import type { HealthSpec, Manifest, ServiceSpec } from '../manifest/model.js';
import { stopTimeoutOf } from '../manifest/stop-settings.js';
import { secretName } from './k8s-names.js';
import { containerArgv, containerCwd, containerPath, knownPorts, peerEnv, urlPort } from './paths.js';
import { k8sBytes, k8sCpu } from './units.js';
import { replicaCount } from './replicas.js';

type Obj = Record<string, unknown>;

export const IMAGE_REGISTRY = 'registry.example.invalid/vigil';

export function labelsOf(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'vigil-export' };
}

export function serviceObjects(spec: ServiceSpec, manifest: Manifest, baseDir: string): Obj[] {
  const out: Obj[] = [];
  const env = peerEnv(spec, manifest);
  const labels = labelsOf(spec.name);
  if (Object.keys(env).length > 0)
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${spec.name}-env`, labels },
      data: env,
    });
  out.push(deployment(spec, baseDir, Object.keys(env).length > 0));
  const svc = service(spec);
  if (svc) out.push(svc);
  return out;
}

function portsOf(spec: ServiceSpec): { name: string; port: number }[] {
  const k = knownPorts(spec);
  if (k.health && k.metrics && k.health.port === k.metrics.port)
    return [{ name: 'http', port: k.health.port }];
  return [
    ...(k.health ? [{ name: 'health', port: k.health.port }] : []),
    ...(k.metrics ? [{ name: 'metrics', port: k.metrics.port }] : []),
  ];
}

function deployment(spec: ServiceSpec, baseDir: string, hasConfig: boolean): Obj {
  const labels = labelsOf(spec.name);
  const k = knownPorts(spec);
  const annotations: Record<string, string> = {};
  if (spec.description !== undefined) annotations['vigil.dev/description'] = spec.description;
  if (spec.restart.policy !== 'always')
    // A Deployment's pods always restart; Vigil's policy is kept here for whoever turns this into a Job.
    annotations['vigil.dev/restart-policy'] = spec.restart.policy;
  const podAnnotations: Record<string, string> = k.metrics
    ? {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(k.metrics.port),
        'prometheus.io/path': k.metrics.path,
        'prometheus.io/scheme': k.metrics.scheme,
      }
    : {};
  const envFrom = [
    ...(hasConfig ? [{ configMapRef: { name: `${spec.name}-env` } }] : []),
    ...spec.credentials.map((set) => ({ secretRef: { name: secretName(set) } })),
  ];
  const quantities: Record<string, string> = {};
  if (spec.limits.cpuPercent !== undefined) quantities.cpu = k8sCpu(spec.limits.cpuPercent);
  if (spec.limits.memoryBytes !== undefined) quantities.memory = k8sBytes(spec.limits.memoryBytes);
  const ports = portsOf(spec);
  const container: Obj = {
    name: spec.name,
    image: `${IMAGE_REGISTRY}/${spec.name}:latest`,
    command: containerArgv(spec, baseDir),
    workingDir: containerCwd(spec, baseDir),
    ...(envFrom.length > 0 ? { envFrom } : {}),
    ...(ports.length > 0
      ? { ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) }
      : {}),
    ...(Object.keys(quantities).length > 0
      ? // Requests equal the limits: the pod gets what the service had on the machine.
        { resources: { requests: quantities, limits: quantities } }
      : {}),
    ...(spec.health ? { readinessProbe: probe(spec.health, 1, baseDir) } : {}),
    ...(spec.health?.restartAfterFailures !== undefined
      ? { livenessProbe: probe(spec.health, spec.health.restartAfterFailures, baseDir) }
      : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: spec.name,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      replicas: replicaCount(spec),
      selector: { matchLabels: { 'app.kubernetes.io/name': spec.name } },
      template: {
        metadata: {
          labels,
          ...(Object.keys(podAnnotations).length > 0 ? { annotations: podAnnotations } : {}),
        },
        spec: { terminationGracePeriodSeconds: stopTimeoutOf(spec), containers: [container] },
      },
    },
  };
}

/** Readiness fails at the first failed probe (Vigil's unhealthy); liveness after restartAfterFailures. */
function probe(h: HealthSpec, failureThreshold: number, baseDir: string): Obj {
  const timing = { periodSeconds: h.intervalSec, timeoutSeconds: h.timeoutSec, failureThreshold };
  const p = h.probe;
  switch (p.kind) {
    case 'http': {
      const u = new URL(p.url);
      // A loopback probe is the pod's own address (the kubelet's default); any other host is kept.
      const local = ['127.0.0.1', 'localhost', '[::1]', '0.0.0.0'].includes(u.hostname);
      return {
        httpGet: {
          ...(local ? {} : { host: u.hostname }),
          path: `${u.pathname}${u.search}`,
          port: urlPort(u),
          scheme: u.protocol === 'https:' ? 'HTTPS' : 'HTTP',
        },
        ...timing,
      };
    }
    case 'tcp':
      return { tcpSocket: { port: p.port }, ...timing };
    case 'exec':
      return {
        exec: { command: p.argv.map((a, i) => (i === 0 ? containerPath(a, baseDir) : a)) },
        ...timing,
      };
  }
}

function service(spec: ServiceSpec): Obj | null {
  const ports = portsOf(spec);
  if (ports.length === 0) return null;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, labels: labelsOf(spec.name) },
    spec: {
      selector: { 'app.kubernetes.io/name': spec.name },
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  };
}
