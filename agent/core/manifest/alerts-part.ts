/** The manifest's `alerts:` map: validated on its own (problems located under `alerts.`), warnings for inline secrets. */
import type { ManifestProblem } from '../errors.js';
import { DEFAULT_ALERTS, inlineSecrets, type AlertsConfig } from '../alerts/config.js';
import { alertsSchema, normalizeAlerts } from '../alerts/config-schema.js';
import { ruleOverrides } from '../alerts/metric-rules-schema.js';
import type { MetricRuleOverrides } from '../alerts/metric-rules.js';
import type { ManifestWarning } from './model.js';
import { manifestErrorMap } from './schema.js';
import { dotted, type Locate } from './source.js';
import type { ZodProblems } from './schema.js';

export function parseAlertsPart(
  raw: unknown,
  file: string,
  locate: Locate,
  zodProblems: ZodProblems,
): {
  alerts: AlertsConfig;
  rules: MetricRuleOverrides;
  problems: ManifestProblem[];
  warnings: ManifestWarning[];
} {
  if (raw === undefined) return { alerts: DEFAULT_ALERTS, rules: {}, problems: [], warnings: [] };
  const parsed = alertsSchema.safeParse(raw ?? {}, { error: manifestErrorMap });
  if (!parsed.success)
    return {
      alerts: DEFAULT_ALERTS,
      rules: {},
      problems: zodProblems(parsed.error, ['alerts'], file, locate),
      warnings: [],
    };
  const alerts = normalizeAlerts(parsed.data);
  const warnings = inlineSecrets(alerts).map(({ path, key }) => {
    const p = ['alerts', ...path];
    return {
      file,
      line: locate(p).line,
      path: dotted(p),
      message: `looks like a secret; keep it in the credential store (set "${alerts.credentials}", key ${key}: $VIGIL_HOME/credentials/${alerts.credentials}.env), not in the manifest`,
    };
  });
  return { alerts, rules: ruleOverrides(parsed.data), problems: [], warnings };
}
