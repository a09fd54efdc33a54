/**
 * Every key of the Store's small JSON state (Store.getState/setState) and the type of its value, in one
 * map: a key that is not here does not typecheck, and a reader gets the type the writer stored. Keys with
 * a service (or more) in them are template-literal keys. The persisted shapes that only the state holds
 * are defined here too, so that the map names no use case.
 */
import type { AlertsConfig } from '../core/alerts/config.js';
import type { DigestItem } from '../core/alerts/model.js';
import type { DailyMinute } from '../core/alerts/metric-window.js';
import type { CredentialPolicies } from '../core/credentials/model.js';
import type { HealthSnapshot } from '../core/health/machine.js';
import type { Intent } from '../core/intent.js';
import type { BudgetSpec, PricingSpec } from '../core/manifest/usage.js';
import type { OtlpSpec } from '../core/manifest/otlp-part.js';
import type { SeriesState } from '../core/otlp/deltas.js';
import type { ServiceSnapshot } from '../core/supervise/model.js';
import type { Overrides, ScopeId } from '../core/usage/budget.js';
import type { CounterState } from '../core/usage/counters.js';
import type { LogCursor } from './usage-sources.js';
import type { Original } from '../core/import/model.js';

/** The manifest's `alerts:` without its secrets, as `vigil apply` left it for the agent. */
export interface StoredAlerts {
  config: AlertsConfig;
  /** Which webhooks have an inline url/token in the manifest. */
  inline: Record<string, { url: boolean; token: boolean }>;
  /** The manifest file applied last (for inline secrets). */
  manifestFile: string | null;
}

/** The manifest's `budget:` and `pricing:`, as `vigil apply` left them for the agent. */
export interface UsageSettings {
  budget: BudgetSpec | null;
  pricing: PricingSpec | null;
  /** The manifest's `otlp:` listener; absent or null: off. */
  otlp?: OtlpSpec | null;
}

/** A service stopped for spend: by which cap, in which period. */
export interface StopRecord {
  service: string;
  at: number;
  scope: ScopeId;
  period: string;
  capMicro: number;
  spendMicro: number;
}

/** How far the usage ingester has read a service's log (committed with the entries it produced). */
export interface StoredCursor {
  path: string;
  cursor: LogCursor;
  /** Rejected lines by reason, and lost stretches, up to this cursor (committed with it: exact). */
  reasons?: Record<string, number>;
  gaps?: number;
  gap?: string | null;
}

/** An original service that `vigil import --replace` took over (unloaded, kept on disk), for --restore. */
export interface ReplacedOriginal {
  service: string;
  original: Original;
  at: number;
}

export interface StateKeys {
  /** What `vigil import --replace` unloaded, newest import last (app/import-replace.ts). */
  'import.replaced': ReplacedOriginal[];
  /** The supervisor's per-service snapshots (agent/daemon/supervisor.ts, read by app/status.ts). */
  'supervisor.snapshots': Record<string, ServiceSnapshot>;
  /** How far the supervisor has read the exit journal (bytes). */
  'supervisor.exitsOffset': number;
  /** The latest stop/start/restart Vigil asked for, per service (app/service-actions.ts). */
  [intent: `intent:${string}`]: Intent;
  'health.snapshots': Record<string, HealthSnapshot>;
  /** Non-critical notices held for the quiet-hours digest. */
  'alerts.held': DigestItem[];
  /** The metric alert rules' per-minute daily windows, per service. */
  'alerts.metrics.daily': Record<string, DailyMinute[]>;
  'alerts.config': StoredAlerts;
  /** launchd only: when the agent gave up restarting a service (its start limit), per service. */
  'launchd.gaveUpAt': Record<string, number>;
  'credentials.policies': CredentialPolicies;
  'usage.settings': UsageSettings;
  'usage.budget.stopped': Record<string, StopRecord>;
  'usage.budget.overrides': Overrides;
  [cursor: `usage.cursor.${string}`]: StoredCursor;
  /** The last value of every cumulative OTLP usage series, by the hash of its identity (core/otlp/deltas.ts). */
  'usage.otlp.series': Record<string, SeriesState>;
  [counters: `usage.counters.${string}.metrics` | `usage.counters.${string}.litellm`]: CounterState;
  /** The loopback UI's browser sessions, by the SHA-256 of their id (agent/api/session.ts): no secret. */
  'ui.sessions': Record<string, { createdAt: number; expiresAt: number; revokedAt: number | null }>;
  /** When the disk-full probe last wrote (ms). */
  'disk.probe': number;
}

export type StateKey = keyof StateKeys;
