/**
 * What launchd does not do and systemd does, done by the agent on macOS (registered only there):
 *
 * - Memory limit: launchd enforces none (RLIMIT_RSS is not enforced on macOS): the agent's memory watch
 *   (memory-watch.ts, shared with systemd on cgroup v1/hybrid) does it, from the tick's one batched `ps`.
 * - Start limit: launchd respawns a crashing KeepAlive job forever (every ThrottleInterval). When a
 *   service failed `restart.burst` times within `restart.intervalSec`, it is given up on: booted out and
 *   reported `failed`/`start-limit-hit` (so the usual start-limit-hit and crashloop events follow) until
 *   the next `vigil start`/`restart`/`apply`.
 */
import type { Logger } from 'pino';
import type { StatusDoc } from '../core/status.js';
import type { VigilEvent } from '../core/events.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';
import type { LaunchdManager } from '../adapters/launchd/launchd-manager.js';
import type { AgentModule } from './module.js';

export const GAVE_UP_AT_KEY = 'launchd.gaveUpAt';

export interface LaunchdWatchDeps {
  manager: Pick<LaunchdManager, 'giveUp'>;
  store: Store;
  clock: Clock;
  logger: Logger;
}

const FAILURES = ['crashed', 'oom-killed'] as const;

export class LaunchdWatch implements AgentModule {
  readonly name = 'launchd-watch';

  constructor(private readonly d: LaunchdWatchDeps) {}

  async afterTick(status: StatusDoc, events: readonly VigilEvent[]): Promise<void> {
    const specs = new Map(this.d.store.listServices().map((s) => [s.name, s.spec]));
    await this.enforceStartLimit(status, events, specs);
  }

  private async enforceStartLimit(
    status: StatusDoc,
    events: readonly VigilEvent[],
    specs: Map<string, ServiceSpec>,
  ): Promise<void> {
    const failing = new Set(
      events
        .filter((e) => e.service && (FAILURES as readonly string[]).includes(e.type))
        .map((e) => e.service!),
    );
    if (failing.size === 0) return;
    const now = this.d.clock.now();
    const gaveUpAt = this.d.store.getState(GAVE_UP_AT_KEY) ?? {};
    for (const name of failing) {
      const spec = specs.get(name);
      if (!spec || spec.restart.policy === 'no' || spec.restart.intervalSec === 0) continue;
      const since = Math.max(now - spec.restart.intervalSec * 1000, (gaveUpAt[name] ?? 0) + 1);
      const failures = this.d.store.queryEvents({
        service: name,
        types: [...FAILURES],
        since,
        limit: 10_000,
      });
      if (failures.length < spec.restart.burst) continue;
      const last = failures[failures.length - 1]?.exit;
      const restarts = status.services.find((s) => s.name === name)?.restarts ?? failures.length;
      this.d.logger.warn(
        { service: name, failures: failures.length, burst: spec.restart.burst },
        'start limit reached: giving up on it',
      );
      await this.d.manager.giveUp(name, {
        restarts: Math.max(restarts, failures.length),
        lastExit: last ? { code: last.code, signal: last.signal } : null,
      });
      gaveUpAt[name] = now;
      this.d.store.setState(GAVE_UP_AT_KEY, gaveUpAt);
    }
  }
}
