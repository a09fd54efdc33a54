/**
 * A replicated service in an engine: the engine runs the copies (Compose `deploy.replicas`, a Deployment's
 * `replicas`), each in its own network namespace and file system, and tells none of them an index. So the
 * export writes one spec with `{replica}` as the first instance's (1): no port offset is needed where
 * every copy has its own address. Pure.
 */
import type { ServiceSpec } from '../manifest/model.js';
import { withReplicaIndex } from '../manifest/replicas.js';

/** How many copies the engine runs. */
export function replicaCount(spec: ServiceSpec): number {
  return spec.replicas ?? 1;
}

/** The spec the export renders: `{replica}` as 1 in a replicated service. */
export function exportedSpec(spec: ServiceSpec): ServiceSpec {
  return spec.replicas === undefined ? spec : withReplicaIndex(spec, 1);
}
