/**
 * `vigil export alerts [-f vigil.yaml] [--out FILE] [--json]`: Prometheus alerting rules for the agent's
 * /metrics, and the metric alert rules of the manifest's services (with their own thresholds; the guide's
 * defaults over any target when there is no manifest).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { promAlertRules } from '../../core/alerts/prom-rules.js';
import { defaultMetricTarget, type MetricRuleTarget } from '../../core/alerts/prom-metric-rules.js';
import { metricNamesOf } from '../../core/alerts/metric-rules.js';
import { loadManifest } from '../manifest-file.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';

const USAGE =
  'vigil export alerts [-f vigil.yaml] [--out FILE] [--down-for 1m] [--json]\n' +
  '       vigil export compose|kubernetes [-f vigil.yaml] [-o DIR] [--json]';

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      file: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      'down-for': { type: 'string' },
      ...JSON_FLAG,
    },
    USAGE,
  );
  const what = positionals[0];
  if (positionals.length !== 1 || !(what === 'alerts' || what === 'compose' || what === 'kubernetes'))
    throw new VigilError('E_USAGE', `what to export? usage: ${USAGE}`);
  if (what !== 'alerts') {
    if (values['down-for'] !== undefined)
      throw new VigilError('E_USAGE', `--down-for is for export alerts; usage: ${USAGE}`);
    const { exportStack } = await import('./export-stack.js');
    return exportStack(what, io, {
      file: str(values.file),
      out: str(values.out),
      json: values.json === true,
    });
  }
  const downFor = str(values['down-for']);
  if (downFor !== undefined && !/^\d+[smhd]$/.test(downFor))
    throw new VigilError(
      'E_USAGE',
      `--down-for must be a Prometheus duration such as 30s, 1m or 5m, not "${downFor}"`,
    );
  const rules = promAlertRules({
    ...(downFor ? { downFor } : {}),
    metricTargets: metricTargets(io, str(values.file)),
  });
  const yaml = `# Prometheus alerting rules for Vigil (vigil export alerts). Load with rule_files: in prometheus.yml.\n${stringify(rules, { lineWidth: 0 })}`;
  const out = str(values.out);
  if (out) {
    const file = path.resolve(io.cwd, out);
    try {
      writeFileSync(file, yaml);
    } catch (err) {
      throw new VigilError('E_IO', `cannot write ${file}: ${(err as Error).message}`);
    }
    if (values.json)
      printJson(io, { file, groups: rules.groups.map((g) => ({ name: g.name, rules: g.rules.length })) });
    else io.err(`wrote ${file}\n`);
  } else if (values.json) printJson(io, rules);
  else io.out(yaml);
  return EXIT_OK;
}

/** The services' metric rules from the manifest (-f, else ./vigil.yaml when there is one); without one, the defaults. */
function metricTargets(io: Io, file: string | undefined): MetricRuleTarget[] {
  if (file === undefined && !existsSync(path.resolve(io.cwd, 'vigil.yaml'))) return [defaultMetricTarget()];
  const { manifest } = loadManifest(io, file);
  const hourlyUsd = manifest.budget?.hourlyUsd ?? null;
  return manifest.services.flatMap((s) =>
    s.metricAlerts
      ? [
          {
            service: s.name,
            rules: s.metrics
              ? s.metricAlerts
              : {
                  ...s.metricAlerts,
                  errorRate: false,
                  latencyP95: false,
                  costPerHour: false,
                  circuitBreaker: false,
                  tokensPerRequest: false,
                },
            names: metricNamesOf(s.metrics),
            memoryLimitBytes: s.limits.memoryBytes ?? null,
            hourlyUsd,
          },
        ]
      : [],
  );
}
