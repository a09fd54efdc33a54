/** The bodies webhooks receive: generic JSON, Slack incoming webhook, Telegram Bot API sendMessage. Pure. */
import type { Notification } from './model.js';

const ICON: Readonly<Record<string, string>> = { critical: '🔴', warning: '🟠', info: '🟢' };

function icon(n: Notification): string {
  return n.kind === 'resolved' ? '✅' : n.kind === 'digest' ? '🗒️' : (ICON[n.severity] ?? '');
}

/** Generic JSON: every field, times as ISO strings. */
export function jsonPayload(n: Notification, host: string): Record<string, unknown> {
  return {
    source: 'vigil',
    host,
    id: n.id,
    kind: n.kind,
    severity: n.severity,
    title: n.title,
    text: n.text,
    service: n.service,
    rule: n.rule,
    alert: n.alertKey,
    at: new Date(n.at).toISOString(),
    ...(n.items
      ? {
          items: n.items.map((i) => ({
            alert: i.alertKey,
            severity: i.severity,
            title: i.title,
            at: new Date(i.at).toISOString(),
            resolvedAt: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
          })),
        }
      : {}),
  };
}

/** Slack's mrkdwn and Telegram's HTML both need &, < and > escaped (and nothing else). */
function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack incoming webhook: `text` (the fallback, shown in notifications) plus blocks. */
export function slackPayload(n: Notification, host: string): Record<string, unknown> {
  const head = `${icon(n)} ${escapeMarkup(n.title)}`;
  return {
    text: `${head}: ${escapeMarkup(n.text.split('\n')[0] ?? '')}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${escapeMarkup(n.text)}` } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `${escapeMarkup(host)} · ${n.severity} · ${new Date(n.at).toISOString()}` },
        ],
      },
    ],
  };
}

/** Telegram Bot API `sendMessage` (HTML parse mode; at most 4096 characters). */
export function telegramPayload(n: Notification, host: string, chatId: string): Record<string, unknown> {
  const body = n.text.length > 3500 ? `${n.text.slice(0, 3500)}…` : n.text;
  const text = `${icon(n)} <b>${escapeMarkup(n.title.slice(0, 200))}</b>\n${escapeMarkup(body)}\n<i>${escapeMarkup(host)} · ${n.severity}</i>`;
  return { chat_id: chatId, text, parse_mode: 'HTML', disable_web_page_preview: true };
}
