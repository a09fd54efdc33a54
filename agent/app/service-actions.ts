/**
 * Service actions: `start|stop|restart` of installed services (serviceAction, the agent's action route),
 * the unknown-service error, and the manager every action goes through.
 *
 * The one place intents are recorded (see core/intent.ts): a ServiceManager that, before it asks the real
 * one to stop, start or restart services, stores what it asked and when, per service. Every caller gets
 * it from the composition root (`vigil start/stop/restart`, apply, budget stops and resumes, credential
 * rotation), so none of them can forget. A failed call puts the previous intents back: nothing changed.
 * The launchd watcher's restarts (Vigil standing in for launchd's memory limit) record intents that keep
 * the crash episode going: its SIGTERM is no `killed` event, and the failure before it still counts.
 * On systemd a stop or restart also records the intent for the services that require the targets
 * (`dependsOn: { x: healthy }`): systemd stops or restarts them with their dependency, which is no failure.
 */
import { intentKey, requiredDependents, type Intent, type IntentAction } from '../core/intent.js';
import type { ServiceManager, UnitFile } from '../ports/service-manager.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { ServiceRecord, Store } from '../ports/store.js';
import type { StatusDoc } from '../core/status.js';
import { VigilError } from '../core/errors.js';
import type { ActionResult, ActionVerb } from '../api/routes/core.js';
import type { Clock } from '../ports/clock.js';

export class IntentRecordingManager implements ServiceManager {
  readonly backend: ServiceManager['backend'];

  constructor(
    private readonly inner: ServiceManager,
    /** The database if there is one (no database: no services, nothing to record). */
    private readonly store: () => Store | null,
    private readonly clock: Clock,
    /** Restarts because the service failed (the launchd watcher): the crash episode goes on. */
    private readonly opts: { keepCrashes?: boolean } = {},
  ) {
    this.backend = inner.backend;
  }

  render(spec: ServiceSpec): UnitFile {
    return this.inner.render(spec);
  }

  listInstalled() {
    return this.inner.listInstalled();
  }

  write(units: readonly UnitFile[]) {
    return this.inner.write(units);
  }

  status(services: readonly string[]) {
    return this.inner.status(services);
  }

  get watch(): ServiceManager['watch'] {
    return this.inner.watch?.bind(this.inner);
  }

  async remove(services: readonly string[]): Promise<void> {
    await this.inner.remove(services);
    const store = this.store();
    for (const s of services) store?.setState(intentKey(s), undefined);
  }

  enableAndStart(services: readonly string[]): Promise<void> {
    return this.with('start', services, () => this.inner.enableAndStart(services));
  }

  start(services: readonly string[]): Promise<void> {
    return this.with('start', services, () => this.inner.start(services));
  }

  stop(services: readonly string[]): Promise<void> {
    return this.with('stop', services, () => this.inner.stop(services));
  }

  restart(services: readonly string[]): Promise<void> {
    return this.with('restart', services, () => this.inner.restart(services));
  }

  /** The services the manager stops or restarts along with these (systemd's Requires=); a start pulls in none. */
  private alongWith(action: IntentAction, services: readonly string[]): string[] {
    const store = this.store();
    if (action === 'start' || this.backend !== 'systemd' || !store) return [];
    return requiredDependents(
      store.listServices().map((r) => r.spec),
      services,
    );
  }

  /** The intent is stored before the call, so the exit it causes is never seen without it. */
  private async with(
    action: IntentAction,
    services: readonly string[],
    call: () => Promise<void>,
  ): Promise<void> {
    const store = this.store();
    if (!store || services.length === 0) return call();
    const at = this.clock.now();
    const all = [...services, ...this.alongWith(action, services)];
    const before = all.map((s) => [s, store.getState(intentKey(s))] as const);
    store.transaction(() => {
      const intent: Intent = this.opts.keepCrashes ? { action, at, keepCrashes: true } : { action, at };
      for (const s of all) store.setState(intentKey(s), intent);
    });
    try {
      await call();
    } catch (err) {
      store.transaction(() => {
        for (const [s, prev] of before) store.setState(intentKey(s), prev);
      });
      throw err;
    }
  }
}

/** E_UNKNOWN_SERVICE naming the missing services and what is installed. */
export function unknownServices(missing: readonly string[], installed: readonly string[]): VigilError {
  return new VigilError(
    'E_UNKNOWN_SERVICE',
    `unknown service${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}${installed.length ? ` (installed: ${installed.join(', ')})` : ' (nothing is installed; run vigil apply)'}`,
  );
}

/** The records of these services, or E_UNKNOWN_SERVICE naming the ones that are not installed. */
export function requireServices(store: Store | null, names: readonly string[]): ServiceRecord[] {
  const known = new Map((store?.listServices() ?? []).map((s) => [s.name, s]));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) throw unknownServices(missing, [...known.keys()]);
  return names.map((n) => known.get(n)!);
}

/**
 * `start|stop|restart` of one installed service through the intent-recording manager (above: the intent is
 * stored, then the backend's manager is asked), then its fresh status (`refresh`: the agent ticks its
 * supervisor, the CLI computes the document directly).
 */
export async function serviceAction(
  deps: { store: Store | null; manager: IntentRecordingManager; refresh: () => Promise<StatusDoc> },
  service: string,
  verb: ActionVerb,
): Promise<ActionResult> {
  requireServices(deps.store, [service]);
  await deps.manager[verb]([service]);
  const s = (await deps.refresh()).services.find((x) => x.name === service);
  if (!s) throw new VigilError('E_SERVICE_MANAGER', `${service} did not report a status after ${verb}`);
  return { service, action: verb, ok: true, status: s };
}
