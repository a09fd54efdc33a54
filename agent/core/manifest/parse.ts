/**
 * Manifest parsing: YAML text → validated, normalized Manifest, or a ManifestError listing every
 * problem with file, line and key path. Pure: the caller reads the file and injects `which`.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import path from 'node:path/posix';
import { ManifestError, type ManifestProblem } from '../errors.js';
import type { LaunchdProcessType, LoadedManifest, ManifestWarning, ServiceSpec } from './model.js';
import {
  manifestErrorMap,
  manifestShapeSchema,
  SERVICE_NAME_RE,
  serviceSchema,
  type RawService,
} from './schema.js';
import { isReservedName, SECRETISH_RE } from './names.js';
import { dependencyOrder } from './deps.js';
import { healthyProblems, withWaits } from './depends-part.js';
import { replicaProblems } from './replicas-part.js';
import { parseAlertsPart } from './alerts-part.js';
import { withLogs } from './logs-part.js';
import { withStopTimeout } from './stop-settings.js';
import { parseUsagePart } from './usage-part.js';
import { parseOtlpPart } from './otlp-part.js';
import { normalizeUsage } from './usage.js';
import { normalizeHealth } from './health-part.js';
import { cwdProblem, programProblem, resolveProgram, UNEXPANDED_RE, type ProbePath } from './program.js';
import { METRIC_RULE_NAMES, resolveMetricRules, type MetricRuleOverrides } from '../alerts/metric-rules.js';
import { ruleOverrides } from '../alerts/metric-rules-schema.js';
import { aliasBombProblem, limitProblems, MANIFEST_LIMITS } from './limits.js';
import { dotted, keepScalarText, locator, serviceNamesInOrder, yamlProblems, type Locate } from './source.js';

export interface ParseOptions {
  /** Absolute path of the manifest (messages, and the base for relative cwd / command paths). */
  file: string;
  /** Resolves a bare program name ("python3") through PATH; null when not found. */
  which?: (program: string) => string | null;
  /**
   * Looks at the program and `cwd` of every service (what starting it needs); given by `vigil apply`,
   * dry run included, so that a missing program is refused before anything is written.
   */
  probe?: ProbePath;
}

type Problem = (p: (string | number)[], message: string) => void;

export function parseManifest(text: string, opts: ParseOptions): LoadedManifest {
  // A character is at least one byte: a text this long is over the byte limit too (the CLI checks the
  // exact size before reading the file).
  if (text.length > MANIFEST_LIMITS.fileBytes) throw tooLarge(opts.file, text.length);
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error', // pure: no process warnings (e.g. for a list used as a key)
  });
  if (doc.errors.length > 0)
    throw new ManifestError('E_MANIFEST_YAML', yamlProblems(doc, lc, text, opts.file));
  const overLimits = limitProblems(doc, lc, opts.file);
  if (overLimits.length > 0) throw new ManifestError('E_MANIFEST_INVALID', overLimits);
  keepScalarText(doc);
  const locate = locator(doc, lc);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MANIFEST_LIMITS.aliases });
  } catch (err) {
    // yaml throws a ReferenceError for an alias bomb (and for an alias to an anchor it cannot resolve).
    if (err instanceof ReferenceError)
      throw new ManifestError('E_MANIFEST_YAML', [aliasBombProblem(doc, lc, opts.file)]);
    throw err;
  }
  if (data === null || data === undefined) {
    throw new ManifestError('E_MANIFEST_INVALID', [
      {
        file: opts.file,
        line: 1,
        column: 1,
        path: '',
        message: 'the manifest is empty; expected a "services:" map',
      },
    ]);
  }
  const problems: ManifestProblem[] = [];
  const top = manifestShapeSchema.safeParse(data, { error: manifestErrorMap });
  if (!top.success) problems.push(...zodProblems(top.error, [], opts.file, locate));

  // The services are checked even when the top level has problems (a typo next to them), so that every
  // problem is reported at once.
  const rawServices = mapOrEmpty(mapOrEmpty(data).services);
  const names = new Set(Object.keys(rawServices));
  // Written order (a JS object puts integer-like keys first), and names toJS could not keep (__proto__).
  const ordered = [...new Set([...serviceNamesInOrder(doc), ...names])];
  const valid = new Map<string, RawService>();
  for (const name of ordered) {
    const base = ['services', name];
    const at: Problem = (p, message) =>
      problems.push({ file: opts.file, ...locate([...base, ...p]), path: dotted([...base, ...p]), message });
    if (!SERVICE_NAME_RE.test(name)) at([], 'service name must match [a-z0-9][a-z0-9-]{0,47}');
    else if (isReservedName(name))
      at(
        [],
        `"${name}" is reserved for Vigil's own units and logs (agent, vigil, vigil-*); choose another name`,
      );
    if (!Object.hasOwn(rawServices, name)) continue;
    const parsed = serviceSchema.safeParse(rawServices[name], { error: manifestErrorMap });
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error, base, opts.file, locate));
      continue;
    }
    for (const dep of parsed.data.dependsOn) {
      if (dep.service === name) at(['dependsOn', dep.key], 'a service cannot depend on itself');
      else if (!names.has(dep.service)) at(['dependsOn', dep.key], `unknown service "${dep.service}"`);
    }
    valid.set(name, parsed.data);
  }

  problems.push(...cycleProblems(valid, opts.file, locate));
  problems.push(...healthyProblems(valid, opts.file, locate));
  problems.push(...replicaProblems(valid, opts.file, locate));
  const alertsPart = parseAlertsPart(mapOrEmpty(data).alerts, opts.file, locate, zodProblems);
  problems.push(...alertsPart.problems);
  const everyService = new Map([...names].map((n) => [n, valid.get(n) ?? {}]));
  const usagePart = parseUsagePart(mapOrEmpty(data), everyService, opts.file, locate, zodProblems);
  problems.push(...usagePart.problems);
  const otlpPart = parseOtlpPart(mapOrEmpty(data).otlp, names, opts.file, locate, zodProblems);
  problems.push(...otlpPart.problems);
  const baseDir = path.dirname(opts.file);
  const services: ServiceSpec[] = [];
  const topLaunchd = top.success ? top.data.launchd : undefined;
  const topLogs = top.success ? top.data.logs : undefined;
  const topStop = top.success ? top.data.stopTimeoutSec : undefined;
  for (const [name, svc] of valid) {
    const base = ['services', name];
    const spec = normalize(name, svc, baseDir, opts, (p, message) =>
      problems.push({ file: opts.file, ...locate([...base, ...p]), path: dotted([...base, ...p]), message }),
    );
    if (!spec) continue;
    // The metric alert rules travel in the spec, resolved (top-level settings under the service's own).
    const withRules =
      spec.metrics || spec.limits.memoryBytes !== undefined
        ? {
            ...spec,
            metricAlerts: resolveMetricRules(
              alertsPart.rules,
              svc.alerts ? ruleOverrides(svc.alerts) : undefined,
            ),
          }
        : spec;
    services.push(
      withStopTimeout(
        withLogs(withLaunchd(withRules, topLaunchd, svc.launchd), topLogs, svc.logs),
        topStop,
        svc.stopTimeoutSec,
      ),
    );
  }
  if (problems.length > 0) throw new ManifestError('E_MANIFEST_INVALID', sortProblems(problems));

  const order = dependencyOrder(withWaits(services, valid));
  // A cycle was reported above already; this only narrows the type.
  if ('cycle' in order)
    throw new ManifestError('E_MANIFEST_INVALID', cycleProblems(valid, opts.file, locate));
  return {
    manifest: {
      file: opts.file,
      version: 1,
      services: order.sorted,
      alerts: alertsPart.alerts,
      ...(usagePart.budget ? { budget: usagePart.budget } : {}),
      ...(usagePart.pricing ? { pricing: usagePart.pricing } : {}),
      ...(otlpPart.otlp ? { otlp: otlpPart.otlp } : {}),
      credentials: top.success ? top.data.credentials : {},
    },
    warnings: [
      ...secretWarnings(valid, opts.file, locate),
      ...alertsPart.warnings,
      ...ruleWarnings(valid, alertsPart.rules, usagePart.budget?.hourlyUsd ?? null, opts.file, locate),
    ],
  };
}

function mapOrEmpty(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** At most one problem: the first cycle found, located at the dependsOn entry that closes it. */
function cycleProblems(valid: Map<string, RawService>, file: string, locate: Locate): ManifestProblem[] {
  // Self-dependencies and unknown services are reported on their own; keep them out of the cycle check.
  const nodes = [...valid].map(([name, svc]) => ({
    name,
    dependsOn: svc.dependsOn.map((d) => d.service).filter((d) => d !== name && valid.has(d)),
  }));
  const order = dependencyOrder(nodes);
  if (!('cycle' in order)) return [];
  const [first = '', next = ''] = order.cycle;
  const p = [
    'services',
    first,
    'dependsOn',
    valid.get(first)?.dependsOn.find((d) => d.service === next)?.key ?? 0,
  ];
  return [{ file, ...locate(p), path: dotted(p), message: `dependency cycle: ${order.cycle.join(' → ')}` }];
}

function secretWarnings(valid: Map<string, RawService>, file: string, locate: Locate): ManifestWarning[] {
  const warnings: ManifestWarning[] = [];
  for (const [name, svc] of valid) {
    const set = svc.credentials?.[0] ?? name;
    for (const key of Object.keys(svc.env)) {
      if (!SECRETISH_RE.test(key)) continue;
      const p = ['services', name, 'env', key];
      warnings.push({
        file,
        line: locate(p).line,
        path: dotted(p),
        message: `looks like a secret; keep it in the credential store (set "${set}": $VIGIL_HOME/credentials/${set}.env), not in env`,
      });
    }
  }
  return warnings;
}

/** The launchd options a service ends up with: its own processType over the top-level defaults; none when unset. */
function withLaunchd(
  spec: ServiceSpec,
  top: { labelPrefix?: string | undefined; processType?: LaunchdProcessType | undefined } | undefined,
  own: { processType?: LaunchdProcessType | undefined } | undefined,
): ServiceSpec {
  const labelPrefix = top?.labelPrefix;
  const processType = own?.processType ?? top?.processType;
  if (labelPrefix === undefined && processType === undefined) return spec;
  return {
    ...spec,
    launchd: {
      ...(labelPrefix === undefined ? {} : { labelPrefix }),
      ...(processType === undefined ? {} : { processType }),
    },
  };
}

function normalize(
  name: string,
  svc: RawService,
  baseDir: string,
  { which, probe }: ParseOptions,
  problem: Problem,
): ServiceSpec | null {
  let ok = true;
  if (svc.cwd !== undefined && UNEXPANDED_RE.test(svc.cwd)) {
    problem(
      ['cwd'],
      '"~" and "$VARIABLES" are not expanded; give an absolute path or one relative to the manifest',
    );
    ok = false;
  }
  const cwd = svc.cwd === undefined ? undefined : path.resolve(baseDir, svc.cwd);
  const found = resolveProgram(svc.command[0] ?? '', cwd ?? baseDir, which);
  if ('error' in found) problem(['command', 0], found.error);
  if (probe) {
    const why = cwd === undefined || !ok ? null : cwdProblem(cwd, probe);
    if (why) problem(['cwd'], why);
    // A relative program in a missing cwd is reported once, at the cwd.
    const prog =
      'error' in found || (why && !path.isAbsolute(svc.command[0] ?? ''))
        ? null
        : programProblem(found.path, probe);
    if (prog) problem(['command', 0], prog);
    if (why || prog) ok = false;
  }
  const health = svc.health ? normalizeHealth(svc.health, cwd, baseDir, which, problem) : undefined;
  if ('error' in found || health === null || !ok) return null;
  const resolved = found.path;
  return {
    name,
    ...(svc.replicas === undefined ? {} : { replicas: svc.replicas }),
    description: svc.description,
    command: [resolved, ...svc.command.slice(1)],
    cwd,
    env: svc.env,
    credentials: svc.credentials ?? [name],
    dependsOn: svc.dependsOn.map((d) => d.service),
    restart: svc.restart,
    health,
    metrics: svc.metrics,
    limits: { memoryBytes: svc.limits.memory, cpuPercent: svc.limits.cpu },
    ...(svc.usage ? { usage: normalizeUsage(svc.usage, svc.metrics?.url) } : {}),
  };
}

function zodProblems(
  error: z.ZodError,
  base: PropertyKey[],
  file: string,
  locate: Locate,
): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [null];
    for (const key of keys) {
      const p = key === null ? [...base, ...issue.path] : [...base, ...issue.path, key];
      out.push({
        file,
        ...locate(p),
        path: dotted(p),
        message: key === null ? issue.message : unknownKey(p),
      });
    }
  }
  return out;
}

/** Metric alert rules written where they can never apply: said at apply, not silently ignored. */
function ruleWarnings(
  valid: Map<string, RawService>,
  top: MetricRuleOverrides,
  hourlyUsd: number | null,
  file: string,
  locate: Locate,
): ManifestWarning[] {
  const out: ManifestWarning[] = [];
  const warn = (p: (string | number)[], message: string) =>
    out.push({ file, line: locate(p).line, path: dotted(p), message });
  for (const [name, svc] of valid) {
    if (!svc.alerts) continue;
    if (!svc.metrics && svc.limits.memory === undefined)
      warn(
        ['services', name, 'alerts'],
        'has no effect: the metric alert rules need metrics.url (or limits.memory for the memory rule)',
      );
    else if (!svc.metrics && Object.keys(svc.alerts).some((k) => k !== 'memory'))
      warn(['services', name, 'alerts'], 'only the memory rule applies without metrics.url');
    if (typeof svc.alerts.costPerHour === 'object' && hourlyUsd === null)
      warn(['services', name, 'alerts', 'costPerHour'], 'has no effect without budget.hourlyUsd');
  }
  if (typeof top.costPerHour === 'object' && hourlyUsd === null)
    warn(['alerts', 'costPerHour'], 'has no effect without budget.hourlyUsd');
  return out;
}

/** An unknown key in an `alerts:` map is most likely a misspelt rule: name them. */
function unknownKey(p: PropertyKey[]): string {
  const inAlerts =
    (p.length === 2 && p[0] === 'alerts') || (p.length === 4 && p[0] === 'services' && p[2] === 'alerts');
  return inAlerts ? `unknown key; the metric alert rules are ${METRIC_RULE_NAMES.join(', ')}` : 'unknown key';
}

/** By line, then column; problems without a line first. Stable, so equal positions keep their order. */
function sortProblems(problems: ManifestProblem[]): ManifestProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** The manifest is over MANIFEST_LIMITS.fileBytes (`size` in bytes, or characters when only the text is known). */
export function tooLarge(file: string, size: number): ManifestError {
  return new ManifestError('E_MANIFEST_READ', [
    {
      file,
      line: null,
      column: null,
      path: '',
      message: `the manifest is ${size} bytes; at most ${MANIFEST_LIMITS.fileBytes} (1 MiB) are allowed`,
    },
  ]);
}
