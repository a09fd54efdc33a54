/**
 * The manifest schema (vigil.yaml), validated with zod. Strict everywhere: an unknown key is an error,
 * so a typo (`restart: {polcy: always}`) never silently falls back to a default.
 */
import { z } from 'zod';
import { parseCpuPercent, parseMemoryBytes } from './units.js';

export const SERVICE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,47}$/;
/** Names that would collide with Vigil's own units (vigil-agent.service). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['agent']);
export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CREDENTIAL_SET_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const noControl = (s: string) => !/[\0\n\r]/.test(s);

const argString = z
  .string()
  .refine((s) => !s.includes('\0'), 'must not contain a NUL byte')
  .refine((s) => !/[\n\r]/.test(s), 'must not contain a line break');

/** YAML turns `PORT: 8080` into a number; an environment value is a string, so scalars are stringified. */
const envValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => String(v))
  .refine(noControl, 'must not contain a line break or NUL byte');

const envMap = z.record(
  z.string().regex(ENV_KEY_RE, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'),
  envValue,
);

const positive = (what: string) => z.number({ error: `${what} must be a number` }).positive(`${what} must be > 0`);

const restartSchema = z.strictObject({
  policy: z.enum(['always', 'on-failure', 'no']).default('always'),
  delaySec: z.number().min(0).max(3600).default(1),
  burst: z.number().int().min(1).max(1000).default(5),
  intervalSec: z.number().min(0).max(86400).default(60),
});

const healthSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  intervalSec: positive('intervalSec').default(10),
  timeoutSec: positive('timeoutSec').default(2),
});

const metricsSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});

const limitsSchema = z.strictObject({
  memory: z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const bytes = parseMemoryBytes(v);
      if (bytes === null) {
        ctx.addIssue({ code: 'custom', message: 'must be a size such as 512M, 2G or a number of bytes' });
        return z.NEVER;
      }
      return bytes;
    })
    .optional(),
  cpu: z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const pct = parseCpuPercent(v);
      if (pct === null) {
        ctx.addIssue({ code: 'custom', message: 'must be a percentage of one core such as 50% or 200%' });
        return z.NEVER;
      }
      return pct;
    })
    .optional(),
});

export const serviceSchema = z.strictObject({
  description: z.string().refine(noControl, 'must be one line').optional(),
  command: z.array(argString).min(1, 'must name at least the program to run'),
  cwd: z.string().min(1).refine(noControl, 'must be one line').optional(),
  env: envMap.default({}),
  credentials: z.array(z.string().regex(CREDENTIAL_SET_RE, 'must be a credential set name')).optional(),
  dependsOn: z.array(z.string()).default([]),
  restart: restartSchema.default({ policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 }),
  health: healthSchema.optional(),
  metrics: metricsSchema.optional(),
  limits: limitsSchema.default({}),
});

export const manifestSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1' }).default(1),
  services: z.record(z.string(), serviceSchema),
});

export type RawService = z.output<typeof serviceSchema>;
export type RawManifest = z.output<typeof manifestSchema>;
