/**
 * The manifest schema (vigil.yaml), validated with zod. Strict everywhere: an unknown key is an error,
 * so a typo (`restart: {polcy: always}`) never silently falls back to a default.
 */
import { z } from 'zod';
import { parseCpuPercent, parseMemoryBytes } from './units.js';
import { usageSchema } from './usage.js';
import { logsSchema } from './logs-part.js';
import { readDependsOn, type Dependency } from './deps.js';
import { parseTcpTarget, PROBE_KEYS } from '../health/probe-spec.js';
import { MAX_STOP_TIMEOUT_SEC, MIN_STOP_TIMEOUT_SEC } from './stop-settings.js';
import { metricsSchema, serviceAlertsSchema } from '../alerts/metric-rules-schema.js';

import { CREDENTIAL_SET_RE, ENV_KEY_RE, RESERVED_NAMES, SERVICE_NAME_RE } from './names.js';
import { MAX_REPLICAS, REPLICA_TOKEN } from './replicas.js';
import type { ManifestProblem } from '../errors.js';
import type { Locate } from './source.js';

export { CREDENTIAL_SET_RE, ENV_KEY_RE, RESERVED_NAMES, SERVICE_NAME_RE };

/** Turns a zod error under `base` into located problems (parse.ts's, handed to each part's parser). */
export type ZodProblems = (
  error: z.ZodError,
  base: PropertyKey[],
  file: string,
  locate: Locate,
) => ManifestProblem[];

const noControl = (s: string) => !/[\0\n\r]/.test(s);

/**
 * An argument may span lines (a multi-line `python -c` or `sh -c` script): systemd's ExecStart= carries it
 * with C escapes (`\n`, see adapters/systemd/quote.ts) and a plist's <string> as is. Only NUL cannot be
 * passed to a process.
 */
const argString = z.string().refine((s) => !s.includes('\0'), 'must not contain a NUL byte');

/** `command: python app.py` is the classic mistake: say what to write instead. */
const argvError = (iss: { code?: string; input?: unknown }): string | undefined =>
  iss.code === 'invalid_type' && typeof iss.input === 'string'
    ? `must be a list of arguments (argv), not a shell string; write it as [${iss.input.trim().split(/\s+/).join(', ')}]`
    : undefined;

/** Scalars are stringified (parse keeps YAML plain scalars as written, so `3.10` stays "3.10"). */
const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'must be a string (write "" for an empty value)' })
  .transform((v) => String(v))
  .refine(noControl, 'must not contain a line break or NUL byte');

const envMap = z.record(
  z.string().regex(ENV_KEY_RE, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'),
  envValue,
);

const positive = () => z.number().positive('must be > 0');

/** Seconds from the stop request (SIGTERM) to SIGKILL (see stop-settings.ts). */
const stopTimeoutSchema = z
  .number({ error: 'must be a whole number of seconds' })
  .int('must be a whole number of seconds')
  .min(MIN_STOP_TIMEOUT_SEC, `must be >= ${MIN_STOP_TIMEOUT_SEC}`)
  .max(MAX_STOP_TIMEOUT_SEC, `must be <= ${MAX_STOP_TIMEOUT_SEC}`)
  .optional();

const restartSchema = z.strictObject({
  policy: z
    .enum(['always', 'on-failure', 'no'], { error: 'must be one of always, on-failure, no' })
    .default('always'),
  delaySec: z.number().min(0, 'must be >= 0').max(3600, 'must be <= 3600').default(1),
  burst: z.number().int().min(1, 'must be >= 1').max(1000, 'must be <= 1000').default(5),
  intervalSec: z.number().min(0, 'must be >= 0').max(86400, 'must be <= 86400').default(60),
});

const plainHttpUrl = z.url({ protocol: /^https?$/ });
/** An http(s) URL; `{replica}` (services with replicas, see replicas.ts) is checked as if it were a digit. */
const httpUrl = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be an http(s) URL') })
  .refine((s) => plainHttpUrl.safeParse(s.replaceAll(REPLICA_TOKEN, '1')).success, 'must be an http(s) URL');

const TCP_HINT = 'must be host:port, such as "127.0.0.1:6379" or "[::1]:6379"';
/** `health.tcp: "127.0.0.1:6379"` → { host, port }. */
const tcpTarget = z.string({ error: TCP_HINT }).transform((v, ctx) => {
  const target = parseTcpTarget(v.trim());
  if (target === null) {
    ctx.addIssue({ code: 'custom', message: TCP_HINT });
    return z.NEVER;
  }
  return target;
});

const argvSchema = z
  .array(argString, { error: argvError })
  .min(1, 'must name at least the program to run')
  .superRefine((argv, ctx) => {
    if (argv[0] === '') ctx.addIssue({ code: 'custom', path: [0], message: 'the program must not be empty' });
  });

const healthSchema = z
  .strictObject({
    /** The probe, one of three kinds (core/health/probe-spec.ts): an HTTP GET, a TCP connect, a program. */
    url: httpUrl.optional(),
    tcp: tcpTarget.optional(),
    exec: argvSchema.optional(),
    intervalSec: positive().default(10),
    timeoutSec: positive().default(2),
    /** Seconds of uninterrupted health before the service counts as healthy again (default 10). */
    stableSec: z.number().min(0, 'must be >= 0').max(3600, 'must be <= 3600').optional(),
    /** Liveness: restart the service after this many consecutive failed probes (absent: never). */
    restartAfterFailures: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be >= 1')
      .max(1000, 'must be <= 1000')
      .optional(),
  })
  .superRefine((h, ctx) => {
    const set = PROBE_KEYS.filter((k) => h[k] !== undefined);
    if (set.length === 0)
      ctx.addIssue({ code: 'custom', message: 'needs a probe: set one of url, tcp or exec' });
    // Each kind is reported at its own key, so every line involved is named.
    if (set.length > 1)
      for (const k of set)
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `only one probe per service (url, tcp or exec), but ${set.join(' and ')} are set; keep one`,
        });
  });

const limitsSchema = z.strictObject({
  memory: z
    .union([z.string(), z.number()], { error: 'must be a size such as 512M, 2G or a number of bytes' })
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
    .union([z.string(), z.number()], { error: 'must be a percentage of one core such as 50% or 200%' })
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

/** macOS (launchd) options: a reverse-DNS label prefix, and launchd's ProcessType. */
export const LABEL_PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
const launchdProcessType = z.enum(['Standard', 'Interactive', 'Adaptive', 'Background'], {
  error: 'must be one of Standard, Interactive, Adaptive, Background',
});
const launchdTopSchema = z.strictObject({
  labelPrefix: z
    .string()
    .max(200, 'must be at most 200 characters')
    .regex(LABEL_PREFIX_RE, 'must be a reverse-DNS prefix such as com.example.vigil')
    .optional(),
  processType: launchdProcessType.optional(),
});

export const serviceSchema = z.strictObject({
  /** How many instances run on this machine (see replicas.ts); absent: one plain service. */
  replicas: z
    .number({ error: `must be a whole number from 1 to ${MAX_REPLICAS}` })
    .int(`must be a whole number from 1 to ${MAX_REPLICAS}`)
    .min(1, 'must be >= 1')
    .max(MAX_REPLICAS, `must be <= ${MAX_REPLICAS}`)
    .optional(),
  description: z.string().refine(noControl, 'must be one line').optional(),
  command: argvSchema,
  cwd: z.string().min(1, 'must not be empty').refine(noControl, 'must be one line').optional(),
  env: envMap.default({}),
  credentials: z
    .array(z.string().regex(CREDENTIAL_SET_RE, 'must be a credential set name ([a-z0-9][a-z0-9_-]*)'))
    .optional(),
  /** A list (each dependency started first) or a map of service: healthy | started (see deps.ts). */
  dependsOn: z
    .unknown()
    .optional()
    .transform((v, ctx): Dependency[] => {
      if (v === undefined) return [];
      const read = readDependsOn(v);
      if ('deps' in read) return read.deps;
      for (const p of read.problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
      return z.NEVER;
    }),
  restart: restartSchema.default({ policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 }),
  health: healthSchema.optional(),
  metrics: metricsSchema.optional(),
  limits: limitsSchema.default({}),
  stopTimeoutSec: stopTimeoutSchema,
  launchd: z.strictObject({ processType: launchdProcessType.optional() }).optional(),
  /** Where the service's token usage comes from (see usage.ts). */
  usage: usageSchema.optional(),
  /** Log rotation for this service (see logs-part.ts). */
  logs: logsSchema.optional(),
  /** Its own settings of the metric alert rules, over the top-level ones (see alerts/metric-rules.ts). */
  alerts: serviceAlertsSchema.optional(),
});

/** Top-level `credentials:` — per credential set, e.g. `anthropic: { rotateAfterDays: 90 }` (overdue sets are flagged). */
const credentialPoliciesSchema = z
  .record(
    z.string().regex(CREDENTIAL_SET_RE, 'must be a credential set name ([a-z0-9][a-z0-9_-]*)'),
    z.strictObject({
      rotateAfterDays: z
        .number()
        .int('must be a whole number of days')
        .min(1, 'must be >= 1')
        .max(3650, 'must be <= 3650')
        .optional(),
    }),
  )
  .default({});

/**
 * The manifest's top level, with the services and the parts that have their own schema (alerts, budget,
 * pricing: see alerts-part.ts and usage-part.ts) left unchecked here, so each is validated on its own.
 */
export const manifestShapeSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1' }).default(1),
  services: z.record(z.string(), z.unknown()),
  alerts: z.unknown().optional(),
  budget: z.unknown().optional(),
  pricing: z.unknown().optional(),
  otlp: z.unknown().optional(),
  launchd: launchdTopSchema.optional(),
  credentials: credentialPoliciesSchema,
  logs: logsSchema.optional(),
  stopTimeoutSec: stopTimeoutSchema,
});

export type RawService = z.output<typeof serviceSchema>;

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'a map',
  record: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

function describe(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'number' || typeof v === 'boolean')
    return `${typeof v === 'number' ? 'the number ' : ''}${v}`;
  return typeof v === 'object' ? 'a map' : typeof v;
}

/**
 * Messages for people, used as the per-parse error map (schema-level messages above take precedence):
 * a missing key "is required", a wrong type says what was expected and what was found.
 */
export const manifestErrorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return 'is required';
    return `must be ${EXPECTED[iss.expected] ?? iss.expected}, not ${describe(iss.input)}`;
  }
  if (iss.code === 'invalid_key') return iss.issues[0]?.message ?? 'is not a valid key';
  return undefined;
};
