/** The normalized, validated manifest that the rest of Vigil works with. */

export type RestartPolicy = 'always' | 'on-failure' | 'no';

export interface ServiceSpec {
  name: string;
  description: string | undefined;
  /** argv; argv[0] is an absolute path after loading. */
  command: string[];
  /** Absolute working directory, if any. */
  cwd: string | undefined;
  env: Record<string, string>;
  /** Credential sets loaded from $VIGIL_HOME/credentials/<set>.env (defaults to the service's own name). */
  credentials: string[];
  dependsOn: string[];
  restart: { policy: RestartPolicy; delaySec: number; burst: number; intervalSec: number };
  health: { url: string; intervalSec: number; timeoutSec: number } | undefined;
  metrics: { url: string } | undefined;
  limits: { memoryBytes: number | undefined; cpuPercent: number | undefined };
}

export interface Manifest {
  /** Absolute path of the file it was read from (for messages). */
  file: string;
  version: 1;
  /** In dependency order: every service comes after the services it depends on. */
  services: ServiceSpec[];
}

export interface ManifestWarning {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

export interface LoadedManifest {
  manifest: Manifest;
  warnings: ManifestWarning[];
}
