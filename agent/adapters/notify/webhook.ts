/**
 * Webhook notifiers: generic JSON POST, Slack incoming webhook, Telegram Bot API sendMessage. The URL or
 * bot token is resolved at each send (credential store first), so a rotated secret applies at once; it
 * never appears in an error message (those name the channel and the HTTP status only).
 */
import { httpLib } from '../http/http-lib.js';
import type { WebhookConfig } from '../../core/alerts/config.js';
import type { Notification } from '../../core/alerts/model.js';
import { jsonPayload, slackPayload, telegramPayload } from '../../core/alerts/payloads.js';
import { DeliveryError, type Notifier } from '../../ports/notifier.js';

export const TELEGRAM_API = 'https://api.telegram.org';
const TIMEOUT_MS = 10_000;
const MAX_RESPONSE = 16 * 1024;

/** The secret a webhook needs: its URL (json, slack) or its bot token (telegram). */
export type SecretLookup = (webhook: WebhookConfig, what: 'url' | 'token') => Promise<string | undefined>;

export class WebhookNotifier implements Notifier {
  readonly channel: string;
  readonly minSeverity: WebhookConfig['minSeverity'];

  constructor(
    private readonly config: WebhookConfig,
    private readonly secret: SecretLookup,
    private readonly host: string,
  ) {
    this.channel = config.name;
    this.minSeverity = config.minSeverity;
  }

  async send(n: Notification): Promise<void> {
    const c = this.config;
    if (c.type === 'telegram') {
      const token = await this.secret(c, 'token');
      if (!token)
        throw new DeliveryError(
          `webhook ${c.name}: no bot token (credential store or alerts.webhooks.${c.name}.token)`,
          false,
        );
      const base = (c.apiUrl ?? TELEGRAM_API).replace(/\/+$/, '');
      const res = await post(
        `${base}/bot${token}/sendMessage`,
        telegramPayload(n, this.host, c.chatId ?? ''),
        c.name,
      );
      if (!telegramConfirmed(res.body))
        throw new DeliveryError(`webhook ${c.name}: Telegram did not confirm the message`, true);
      return;
    }
    const url = await this.secret(c, 'url');
    if (!url)
      throw new DeliveryError(
        `webhook ${c.name}: no URL (credential store or alerts.webhooks.${c.name}.url)`,
        false,
      );
    await post(url, c.type === 'slack' ? slackPayload(n, this.host) : jsonPayload(n, this.host), c.name);
  }
}

function telegramConfirmed(body: string): boolean {
  try {
    return (JSON.parse(body) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

/** POSTs JSON; resolves on 2xx with the (bounded) body; throws DeliveryError otherwise. */
export async function post(
  url: string,
  body: unknown,
  channel: string,
): Promise<{ status: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DeliveryError(`webhook ${channel}: the URL is not valid`, false);
  }
  const lib = await httpLib(u.protocol);
  if (!lib) throw new DeliveryError(`webhook ${channel}: the URL must be http(s)`, false);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, value?: { status: number; body: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    const req = lib.request(
      u,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          'user-agent': 'vigil-alerts',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE) chunks.push(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) finish(null, { status, body: text });
          else
            finish(
              new DeliveryError(
                `webhook ${channel}: HTTP ${status}`,
                status === 408 || status === 429 || status >= 500,
              ),
            );
        });
        res.on('error', (err) => finish(new DeliveryError(`webhook ${channel}: ${err.message}`, true)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(new DeliveryError(`webhook ${channel}: no answer within ${TIMEOUT_MS / 1000} s`, true));
    }, TIMEOUT_MS);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(new DeliveryError(`webhook ${channel}: ${err.code ?? 'error'}`, true)),
    );
    req.end(payload);
  });
}
