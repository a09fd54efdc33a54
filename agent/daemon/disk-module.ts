/**
 * The disk-full condition in the agent: ticks the DiskWatch, publishes `disk` into the status document, and
 * raises its alert through the monitor module's alert path (and its channels directly while the alert
 * queue, in the same database, cannot be written).
 */
import type { Notification } from '../core/alerts/model.js';
import type { Notifier } from '../ports/notifier.js';
import type { AgentModule, AgentRuntime } from './module.js';

interface AlertingModule {
  alerting: { notify(n: Notification, now: number): void };
  notifierList(): readonly Notifier[];
}

const isAlerting = (m: AgentModule): m is AgentModule & AlertingModule =>
  typeof (m as Partial<AlertingModule>).alerting?.notify === 'function' &&
  typeof (m as Partial<AlertingModule>).notifierList === 'function';

export function createDiskModule(
  services: Pick<AgentRuntime, 'disk' | 'pendingExits' | 'logger' | 'status'>,
  others: readonly AgentModule[],
): AgentModule[] {
  const { disk, pendingExits, logger } = services;
  if (!disk) return [];
  // The status's `disk`: now, and after every failure, check and change of what waits to be stored.
  disk.publishTo((view) => services.status.publish('disk', view));
  const monitor = others.find(isAlerting);
  if (monitor) {
    disk.bindAlerts({
      notify: (n, now) => monitor.alerting.notify(n, now),
      async sendNow(n) {
        const sent = await Promise.allSettled(monitor.notifierList().map((c) => c.send(n)));
        return sent.every((r) => r.status === 'fulfilled');
      },
    });
  }
  return [
    {
      name: 'disk',
      // While the disk is full, or exit records wait to be moved: every few seconds; else the idle tick.
      nextTickInMs() {
        return disk.view().state !== 'ok' || (pendingExits?.count() ?? 0) > 0 ? 5000 : null;
      },
      async afterTick() {
        disk.tick();
        // Exit records kept while the journal could not be written: into it once it can be. A process is
        // started only while records wait; a failure is only logged and the next tick tries again.
        await pendingExits
          ?.tick()
          .catch((err: unknown) => logger.warn({ err }, 'cannot move pending exit records into the journal'));
        disk.pendingChanged();
      },
    },
  ];
}
