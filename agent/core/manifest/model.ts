/** The normalized, validated manifest that the rest of Vigil works with. */
import type { AlertsConfig } from '../alerts/config.js';
import type { OtlpSpec } from './otlp-part.js';
import type { LogSettings } from './logs-settings.js';
import type { CredentialPolicies } from '../credentials/model.js';
import type { BudgetSpec, PricingSpec, UsageSpec } from './usage.js';
import type { ProbeSpec } from '../health/probe-spec.js';
import type { MetricNames, MetricRules } from '../alerts/metric-rules.js';

export type RestartPolicy = 'always' | 'on-failure' | 'no';

export interface ServiceSpec {
  /** The service's name; for an instance of a replicated service `<group>@<index>` (see replicas.ts). */
  name: string;
  /** `replicas:` as written (1–64), on the manifest's spec of a replicated service; absent: one plain service. */
  replicas?: number;
  /** Set on each instance of a replicated service (what `vigil apply` installs; see replicas.ts). */
  replica?: ReplicaOf;
  description: string | undefined;
  /** argv; argv[0] is an absolute path after loading. */
  command: string[];
  /** Absolute working directory, if any. */
  cwd: string | undefined;
  env: Record<string, string>;
  /** Credential sets loaded from $VIGIL_HOME/credentials/<set>.env (defaults to the service's own name). */
  credentials: string[];
  /** Every dependency (list form and map form alike): started before this service, in dependency order. */
  dependsOn: string[];
  /**
   * The `healthy` dependencies (map form): this service is not started until each one's probe passed.
   * vigil-launch waits for them before it runs the program (so it holds at boot too, without the agent).
   * Absent when there are none.
   */
  waitFor?: DependencyWait[];
  restart: { policy: RestartPolicy; delaySec: number; burst: number; intervalSec: number };
  health: HealthSpec | undefined;
  /** Its Prometheus endpoint; `intervalSec` (scrapes for the metric alert rules) and metric names as written. */
  metrics:
    | {
        url: string;
        intervalSec?: number;
        circuitBreaker?: string;
        names?: Partial<Omit<MetricNames, 'circuitBreaker'>>;
      }
    | undefined;
  limits: { memoryBytes: number | undefined; cpuPercent: number | undefined };
  /** Seconds between the stop request (SIGTERM) and SIGKILL; always set by the parser (see stop-settings.ts). */
  stopTimeoutSec?: number;
  /** macOS: the LaunchAgent's label prefix and ProcessType, when the manifest sets them (else defaults). */
  launchd?: LaunchdOptions;
  /** Log rotation (vigil-launch): always set by the parser; absent means the defaults (see logs-part.ts). */
  logs?: LogSettings;
  /** Where its token usage comes from (metrics, log events, a LiteLLM proxy), when the manifest says. */
  usage?: UsageSpec;
  /** The guide's metric alert rules for it (top-level `alerts:` with its own `alerts:` over them), when it has metrics.url or limits.memory. */
  metricAlerts?: MetricRules;
}

/** Which replicated service an instance belongs to, and what its unit is rendered from. */
export interface ReplicaOf {
  /** The service's name in the manifest (usage, budgets and the status groups are under it). */
  group: string;
  /** 1..replicas: `{replica}` and VIGIL_REPLICA. */
  index: number;
  /** The service's argv and env with `{replica}` not yet substituted (systemd's template unit). */
  template: { command: string[]; env: Record<string, string> };
}

/** What a dependent waits for: the dependency's probe, each try bounded by that probe's timeout. */
export interface DependencyWait {
  service: string;
  probe: ProbeSpec;
  timeoutSec: number;
}
/** The `health:` settings: what is probed, how often, and what a run of failures leads to. */
export interface HealthSpec {
  /** From exactly one of the manifest's `url`, `tcp` or `exec`. */
  probe: ProbeSpec;
  intervalSec: number;
  timeoutSec: number;
  stableSec?: number;
  /** Liveness: restart after this many consecutive failed probes of a running service; absent = never. */
  restartAfterFailures?: number;
}

export type LaunchdProcessType = 'Standard' | 'Interactive' | 'Adaptive' | 'Background';

export interface LaunchdOptions {
  /** Reverse-DNS prefix of the label `<prefix>.<name>` (top-level `launchd.labelPrefix`). */
  labelPrefix?: string;
  /** launchd's ProcessType (per service, or the top-level default). */
  processType?: LaunchdProcessType;
}

export interface Manifest {
  /** Absolute path of the file it was read from (for messages). */
  file: string;
  version: 1;
  /** In dependency order: every service comes after the services it depends on. */
  services: ServiceSpec[];
  /** The top-level `alerts:` map with its defaults (always set by the parser). */
  alerts?: AlertsConfig;
  /** The top-level `budget:` (caps, thresholds, enforcement), when set. */
  budget?: BudgetSpec;
  /** The top-level `pricing:` overrides (model → USD per million tokens), when set. */
  pricing?: PricingSpec;
  /** The top-level `otlp:` listener (usage over OpenTelemetry), when set. */
  otlp?: OtlpSpec;
  /** The top-level `credentials:` map: per credential set, rotateAfterDays (always set by the parser). */
  credentials?: CredentialPolicies;
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
