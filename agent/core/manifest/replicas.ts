/**
 * Replicas on one machine: a service with `replicas: N` runs as N instances named `<name>@1` … `<name>@N`
 * (systemd: instances `vigil-<name>@<i>.service` of the template unit `vigil-<name>@.service`; launchd: one
 * LaunchAgent each). The manifest keeps one spec per service; `expandReplicas` turns it into the instance
 * specs that `vigil apply` installs, so supervision, events, logs and probes work per instance unchanged.
 * In an instance, `{replica}` in the argv (not the program), env values and the health probe (url, exec
 * arguments) is its index,
 * and VIGIL_REPLICA is set to it. Pure.
 */
import type { ServiceSpec } from './model.js';

export const MAX_REPLICAS = 64;
/** Written in argv, env values, cwd, health.url and health.exec: the instance's index (1..replicas). */
export const REPLICA_TOKEN = '{replica}';
/** Set in every instance's environment: its index. */
export const REPLICA_ENV = 'VIGIL_REPLICA';

/** `worker`, 2 → `worker@2`. */
export function instanceName(group: string, index: number | string): string {
  return `${group}@${index}`;
}

/** `worker@2` → `worker`; a plain service's name is its own group. */
export function groupOf(service: string): string {
  const at = service.indexOf('@');
  return at < 0 ? service : service.slice(0, at);
}

/** `worker@2` → 2; null for a plain service's name. */
export function replicaIndexOf(service: string): number | null {
  const m = /@([0-9]{1,2})$/.exec(service);
  return m ? Number(m[1]) : null;
}

export function substituteReplica(text: string, index: number | string): string {
  return text.replaceAll(REPLICA_TOKEN, String(index));
}

const subEnv = (env: Record<string, string>, index: number | string): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substituteReplica(v, index)]));

/** `{replica}` replaced by `index` where it is substituted: argv, env values, health.url, health.exec. */
export function withReplicaIndex(base: ServiceSpec, index: number | string): ServiceSpec {
  const sub = (s: string) => substituteReplica(s, index);
  const health = base.health && {
    ...base.health,
    probe:
      base.health.probe.kind === 'http'
        ? { ...base.health.probe, url: sub(base.health.probe.url) }
        : base.health.probe.kind === 'exec'
          ? { ...base.health.probe, argv: base.health.probe.argv.map(sub) }
          : base.health.probe,
  };
  return { ...base, command: base.command.map(sub), env: subEnv(base.env, index), health };
}

/**
 * The spec of one instance, `index` substituted. `index` may be a placeholder for a renderer (systemd's
 * template unit renders `%i` through it); the record `template` keeps what it was substituted in.
 */
export function instanceSpec(base: ServiceSpec, index: number | string): ServiceSpec {
  const { replicas: _count, replica: _none, ...rest } = withReplicaIndex(base, index);
  return {
    ...rest,
    name: instanceName(base.name, index),
    env: { ...rest.env, [REPLICA_ENV]: String(index) },
    replica: {
      group: base.name,
      index: typeof index === 'number' ? index : 0,
      template: { command: base.command, env: base.env },
    },
  };
}

/**
 * An instance's spec again with another index (the template unit renders its placeholder through it);
 * a plain service's spec unchanged.
 */
export function reindexed(spec: ServiceSpec, index: string): ServiceSpec {
  const r = spec.replica;
  if (!r) return spec;
  return instanceSpec({ ...spec, name: r.group, command: r.template.command, env: r.template.env }, index);
}

/** The services as installed: each replicated one as its instances 1..replicas, in place; the others as they are. */
export function expandReplicas(services: readonly ServiceSpec[]): ServiceSpec[] {
  return services.flatMap((s) =>
    s.replicas === undefined ? [s] : Array.from({ length: s.replicas }, (_, i) => instanceSpec(s, i + 1)),
  );
}

/** Whether a text uses `{replica}` (only a replicated service may). */
export function usesReplica(text: string): boolean {
  return text.includes(REPLICA_TOKEN);
}

/** Names as the user gave them, a replicated service's name standing for all its instances (by index). */
export function expandNames(names: readonly string[], known: readonly string[]): string[] {
  return names.flatMap((n) => {
    if (known.includes(n)) return [n];
    const inst = known
      .filter((k) => k !== n && groupOf(k) === n)
      .sort((a, b) => (replicaIndexOf(a) ?? 0) - (replicaIndexOf(b) ?? 0));
    return inst.length > 0 ? inst : [n];
  });
}
