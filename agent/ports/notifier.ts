/**
 * Where notifications go: the desktop (notify-send, osascript; the Electron app adds its own) and
 * webhooks (generic JSON, Slack, Telegram). A Notifier sends one notification or throws a
 * DeliveryError; the caller retries with backoff and records every attempt.
 */
import type { Notification } from '../core/alerts/model.js';
import type { Severity } from '../core/events.js';

export interface Notifier {
  /** Channel name: "desktop" or the webhook's name from the manifest. */
  readonly channel: string;
  /** Least severity this channel gets. */
  readonly minSeverity: Severity;
  send(n: Notification): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** False when retrying cannot help (HTTP 400/401/403/404, missing credentials). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
