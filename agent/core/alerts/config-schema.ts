/** The zod schema of the manifest's `alerts:` map (strict: unknown keys are errors), normalized to AlertsConfig. */
import { z } from 'zod';
import { DEFAULT_ALERTS, HHMM_RE, WEBHOOK_NAME_RE, type AlertsConfig } from './config.js';
import { CREDENTIAL_SET_RE } from '../manifest/names.js';
import { isValidTimeZone } from '../usage/tz.js';
import { metricRuleShape } from './metric-rules-schema.js';

const hhmm = z.string().regex(HHMM_RE, 'must be a local time HH:MM (24 h), e.g. "22:00"');
const severity = z.enum(['info', 'warning', 'critical'], { error: 'must be info, warning or critical' });
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const webhookSchema = z
  .strictObject({
    type: z.enum(['json', 'slack', 'telegram'], { error: 'must be json, slack or telegram' }),
    url: url.optional(),
    token: z.string().min(1, 'must not be empty').optional(),
    chatId: z.union([z.string().min(1), z.number().int()], { error: 'must be a chat id' }).optional(),
    apiUrl: url.optional(),
    minSeverity: severity.default('info'),
  })
  .superRefine((w, ctx) => {
    if (w.type === 'telegram') {
      if (w.chatId === undefined)
        ctx.addIssue({ code: 'custom', path: ['chatId'], message: 'is required for a telegram webhook' });
      if (w.url !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'telegram webhooks take token and chatId (and apiUrl), not url',
        });
    } else {
      for (const k of ['token', 'chatId', 'apiUrl'] as const)
        if (w[k] !== undefined)
          ctx.addIssue({ code: 'custom', path: [k], message: `only telegram webhooks take ${k}` });
    }
  });

export const alertsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  desktop: z
    .union([z.boolean(), z.literal('auto')], { error: 'must be true, false or "auto"' })
    .default('auto'),
  cooldownSec: z
    .number()
    .min(0, 'must be >= 0')
    .max(7 * 86400, 'must be <= 604800')
    .default(DEFAULT_ALERTS.cooldownSec),
  downForSec: z
    .number()
    .min(0, 'must be >= 0')
    .max(86400, 'must be <= 86400')
    .default(DEFAULT_ALERTS.downForSec),
  degradedForSec: z
    .number()
    .min(0, 'must be >= 0')
    .max(86400, 'must be <= 86400')
    .default(DEFAULT_ALERTS.degradedForSec),
  quietHours: z.strictObject({ from: hhmm, to: hhmm }).optional(),
  digestAt: hhmm.optional(),
  timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
  credentials: z.string().regex(CREDENTIAL_SET_RE, 'must be a credential set name').default('alerts'),
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1, 'must be >= 1').max(20, 'must be <= 20').default(6),
      backoffSec: z.number().min(0.1, 'must be >= 0.1').max(3600, 'must be <= 3600').default(5),
    })
    .default({ maxAttempts: 6, backoffSec: 5 }),
  webhooks: z
    .record(z.string().regex(WEBHOOK_NAME_RE, 'must be a webhook name ([a-z0-9][a-z0-9_-]*)'), webhookSchema)
    .default({}),
  // The metric alert rules' top-level settings (resolved into each service's spec: see metric-rules.ts).
  ...metricRuleShape,
});

export type RawAlerts = z.output<typeof alertsSchema>;

export function normalizeAlerts(raw: RawAlerts): AlertsConfig {
  return {
    enabled: raw.enabled,
    desktop: raw.desktop,
    cooldownSec: raw.cooldownSec,
    downForSec: raw.downForSec,
    degradedForSec: raw.degradedForSec,
    quietHours: raw.quietHours ?? null,
    digestAt: raw.digestAt ?? null,
    timezone: raw.timezone ?? null,
    credentials: raw.credentials,
    retry: raw.retry,
    webhooks: Object.entries(raw.webhooks).map(([name, w]) => ({
      name,
      type: w.type,
      url: w.url ?? null,
      token: w.token ?? null,
      chatId: w.chatId === undefined ? null : String(w.chatId),
      apiUrl: w.apiUrl ?? null,
      minSeverity: w.minSeverity,
    })),
  };
}
