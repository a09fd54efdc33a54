/**
 * The OS service manager behind Vigil: systemd user units on Linux, LaunchAgents on macOS. Vigil renders
 * unit files from the manifest and commands the manager; the manager does the restarting.
 */
import type { ServiceSpec } from '../core/manifest/model.js';

export type Backend = 'systemd' | 'launchd';

/** A rendered unit file / plist for one service. `hash` covers the content that Vigil controls. */
export interface UnitFile {
  service: string;
  /** The manager's id for it: "vigil-core.service" or "dev.vigil.core". */
  unit: string;
  path: string;
  content: string;
  hash: string;
}

export interface InstalledUnit {
  service: string;
  unit: string;
  path: string;
  content: string;
  /** The hash Vigil recorded in the file when it wrote it (null if the marker is gone). */
  recordedHash: string | null;
  /** The hash of the content as it is now. */
  actualHash: string;
  /** Someone edited the file by hand since Vigil wrote it. */
  drifted: boolean;
}

export type { ActiveState, ObservedStatus } from '../core/observed.js';
import type { ObservedStatus } from '../core/observed.js';

export interface ServiceManager {
  readonly backend: Backend;
  /** Renders the unit file / plist for a service. Pure. */
  render(spec: ServiceSpec): UnitFile;
  /** Units Vigil installed (for this VIGIL_HOME), with drift detection. */
  listInstalled(): Promise<InstalledUnit[]>;
  /** Writes unit files atomically and makes the manager load them (daemon-reload / bootstrap). */
  write(units: readonly UnitFile[]): Promise<void>;
  /** Stops, disables and deletes the units of these services. */
  remove(services: readonly string[]): Promise<void>;
  /** Enables (start at login/boot) and starts. */
  enableAndStart(services: readonly string[]): Promise<void>;
  start(services: readonly string[]): Promise<void>;
  stop(services: readonly string[]): Promise<void>;
  restart(services: readonly string[]): Promise<void>;
  /** One batched query for all these services. Unknown services come back with loaded=false. */
  status(services: readonly string[]): Promise<ObservedStatus[]>;
  /**
   * Where the manager pushes unit changes (systemd over D-Bus): one long-lived subscription. `up` each time
   * it is (re-)established (what changed while it was down is unknown: reconcile), `changed` with the
   * services whose unit changed, `down` when it is lost (it is re-established by itself).
   */
  watch?(handler: UnitChangeHandler): UnitWatch;
}

export interface UnitWatch {
  /** Which services to hear about from now on (the subscription's matches follow the set). */
  follow(services: readonly string[]): void;
  close(): void;
}

export interface UnitChangeHandler {
  up(): void;
  changed(services: readonly string[]): void;
  down(err: Error | null): void;
}
