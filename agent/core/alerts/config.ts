/**
 * The manifest's top-level `alerts:` map: when to tell whom (its zod schema is in config-schema.ts, so
 * the agent does not load zod for it). Webhook URLs and bot tokens belong in the credential
 * store (set `alerts`, keys `<NAME>_URL` / `<NAME>_TOKEN`); written inline they work, with a warning.
 */
import type { Severity } from '../events.js';

export const WEBHOOK_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
export type WebhookType = 'json' | 'slack' | 'telegram';

export interface WebhookConfig {
  name: string;
  type: WebhookType;
  /** Inline URL from the manifest (json, slack), or null: taken from the credential store. */
  url: string | null;
  /** Inline bot token (telegram), or null: taken from the credential store. */
  token: string | null;
  /** Telegram chat to post to. */
  chatId: string | null;
  /** Telegram Bot API base URL (default https://api.telegram.org). */
  apiUrl: string | null;
  /** Least severity this channel gets. */
  minSeverity: Severity;
}

export interface AlertsConfig {
  enabled: boolean;
  /** Desktop notifications (notify-send / osascript): on, off, or on when a desktop session is there. */
  desktop: boolean | 'auto';
  /** The same alert is not sent again within this long (s). */
  cooldownSec: number;
  /** A service must be down this long before it alerts (s). */
  downForSec: number;
  /** Degraded this long before it alerts (s). */
  degradedForSec: number;
  /** Local times HH:MM; inside, only critical alerts are sent at once, the rest wait for the digest. */
  quietHours: { from: string; to: string } | null;
  /** Local time of the morning digest (default: the end of the quiet hours). */
  digestAt: string | null;
  /** IANA time zone of the quiet hours (default: the machine's). */
  timezone: string | null;
  /** Credential set holding webhook URLs and tokens. */
  credentials: string;
  retry: { maxAttempts: number; backoffSec: number };
  webhooks: WebhookConfig[];
}

export const DEFAULT_ALERTS: AlertsConfig = {
  enabled: true,
  desktop: 'auto',
  cooldownSec: 600,
  downForSec: 15,
  degradedForSec: 120,
  quietHours: null,
  digestAt: null,
  timezone: null,
  credentials: 'alerts',
  retry: { maxAttempts: 6, backoffSec: 5 },
  webhooks: [],
};

/** The credential keys of a webhook: `ops` → OPS_URL, `my-phone` → MY_PHONE_TOKEN. */
export function webhookSecretKey(name: string, what: 'url' | 'token'): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_${what === 'url' ? 'URL' : 'TOKEN'}`;
}

/** Inline secrets written in the manifest, to warn about: [path under alerts, credential key]. */
export function inlineSecrets(config: AlertsConfig): { path: (string | number)[]; key: string }[] {
  const out: { path: (string | number)[]; key: string }[] = [];
  for (const w of config.webhooks) {
    if (w.token !== null)
      out.push({ path: ['webhooks', w.name, 'token'], key: webhookSecretKey(w.name, 'token') });
    if (w.url !== null && (w.type === 'slack' || /[?@]|\/\/[^/]*:[^/]*@/.test(w.url)))
      out.push({ path: ['webhooks', w.name, 'url'], key: webhookSecretKey(w.name, 'url') });
  }
  return out;
}

/** The config without secret values (what may be stored in the database): inline ones are flagged instead. */
export function withoutSecrets(
  config: AlertsConfig,
): AlertsConfig & { inline: Record<string, { url: boolean; token: boolean }> } {
  const inline: Record<string, { url: boolean; token: boolean }> = {};
  for (const w of config.webhooks) inline[w.name] = { url: w.url !== null, token: w.token !== null };
  return { ...config, webhooks: config.webhooks.map((w) => ({ ...w, url: null, token: null })), inline };
}
