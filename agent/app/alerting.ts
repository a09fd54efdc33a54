/**
 * Alerting on ports: steps the AlertEngine, records alert state and every notification, queues one
 * delivery per channel, and delivers with retries and exponential backoff (each attempt recorded).
 * Tick-driven like the rest of the agent, so an injected clock drives it in tests.
 */
import type { NewEvent } from '../core/events.js';
import type { AlertsConfig } from '../core/alerts/config.js';
import { AlertEngine, type AlertTickInput, type EngineState } from '../core/alerts/engine.js';
import { atLeast, type DigestItem, type Notification } from '../core/alerts/model.js';
import type { AlertLog } from '../ports/monitor-store.js';
import { DeliveryError, type Notifier } from '../ports/notifier.js';

export interface AlertingDeps {
  log: AlertLog;
  /** The channels as configured now. */
  notifiers: () => readonly Notifier[];
  loadHeld: () => DigestItem[];
  saveHeld: (held: DigestItem[]) => void;
  onError?: (err: unknown, what: string) => void;
}

/** Backoff before attempt n+1 after n failed attempts: base·3^(n−1), at most an hour. */
export function backoffMs(failedAttempts: number, baseSec: number): number {
  return Math.min(3600_000, Math.round(baseSec * 1000 * 3 ** Math.max(0, failedAttempts - 1)));
}

export class Alerting {
  readonly engine: AlertEngine;
  private delivering: Promise<void> | null = null;

  constructor(
    private readonly deps: AlertingDeps,
    private config: AlertsConfig,
    tz: string,
  ) {
    const restored: EngineState = { alerts: deps.log.loadAlerts(), held: deps.loadHeld() };
    this.engine = new AlertEngine(config, tz, restored);
  }

  setConfig(config: AlertsConfig, tz?: string): void {
    this.config = config;
    this.engine.setConfig(config, tz);
  }

  /** One step of the rules; returns the alert events to record. Deliveries are queued, not awaited. */
  tick(input: AlertTickInput): NewEvent[] {
    const out = this.engine.step(input);
    const { log } = this.deps;
    log.saveAlerts(out.changed);
    for (const n of out.held) log.hold(n);
    if (out.send.some((n) => n.kind === 'digest')) log.markDigested(input.now);
    for (const n of out.send) this.enqueue(n, input.now);
    if (out.heldChanged) this.deps.saveHeld(this.engine.state().held);
    return out.events;
  }

  /**
   * A one-off notice not caused by a rule (budget, spend spike, runaway): recorded as held for the
   * morning digest during quiet hours unless critical (see AlertEngine.offer), else queued like enqueue.
   */
  notify(n: Notification, now: number): void {
    if (this.engine.offer(n, now) === 'held') {
      this.deps.log.hold(n);
      this.deps.saveHeld(this.engine.state().held);
    } else {
      this.enqueue(n, now);
    }
  }

  /** Queues a notification for every channel that takes its severity (no quiet hours: callers decide). */
  enqueue(n: Notification, now: number): void {
    const channels = this.deps
      .notifiers()
      .filter((c) => atLeast(n.severity, c.minSeverity))
      .map((c) => c.channel);
    this.deps.log.enqueue(n, channels, now);
  }

  /** Starts delivering what is due unless a round is still running; resolves when this round ends. */
  deliverDue(now: number): Promise<void> {
    this.delivering ??= this.round(now).finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  private async round(now: number): Promise<void> {
    const due = this.deps.log.due(now, 50);
    if (due.length === 0) return;
    const byChannel = new Map(this.deps.notifiers().map((c) => [c.channel, c]));
    await Promise.all(
      due.map(async ({ delivery, notification }) => {
        const notifier = byChannel.get(delivery.channel);
        const attempt = delivery.attempts + 1;
        try {
          if (!notifier)
            throw new DeliveryError(`channel "${delivery.channel}" is no longer configured`, false);
          await notifier.send(notification);
          this.deps.log.attempt(delivery.id, { status: 'sent', nextAt: null, error: null }, now);
        } catch (err) {
          const retryable = err instanceof DeliveryError ? err.retryable : true;
          const message = err instanceof Error ? err.message : String(err);
          const last = !retryable || attempt >= this.config.retry.maxAttempts;
          this.deps.log.attempt(
            delivery.id,
            {
              status: last ? 'failed' : 'pending',
              nextAt: last ? null : now + backoffMs(attempt, this.config.retry.backoffSec),
              error: message,
            },
            now,
          );
          if (last)
            this.deps.onError?.(
              err,
              `delivery to ${delivery.channel} failed for good after ${attempt} attempt(s)`,
            );
        }
      }),
    );
  }

  /** Resolves when the delivery round in progress (if any) ends. */
  async settle(): Promise<void> {
    await this.delivering;
  }
}
