/** `vigil export alerts [--out FILE] [--json]`: Prometheus alerting rules for the agent's /metrics. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { promAlertRules } from '../../core/alerts/prom-rules.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';

const USAGE = 'vigil export alerts [--out FILE] [--down-for 1m] [--json]';

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string', short: 'o' }, 'down-for': { type: 'string' }, ...JSON_FLAG }, USAGE);
  if (positionals.length !== 1 || positionals[0] !== 'alerts') throw new VigilError('E_USAGE', `what to export? usage: ${USAGE}`);
  const downFor = str(values['down-for']);
  if (downFor !== undefined && !/^\d+[smhd]$/.test(downFor)) throw new VigilError('E_USAGE', `--down-for must be a Prometheus duration such as 30s, 1m or 5m, not "${downFor}"`);
  const rules = promAlertRules(downFor ? { downFor } : {});
  const yaml = `# Prometheus alerting rules for Vigil (vigil export alerts). Load with rule_files: in prometheus.yml.\n${stringify(rules, { lineWidth: 0 })}`;
  const out = str(values.out);
  if (out) {
    const file = path.resolve(io.cwd, out);
    try {
      writeFileSync(file, yaml);
    } catch (err) {
      throw new VigilError('E_IO', `cannot write ${file}: ${(err as Error).message}`);
    }
    if (values.json) printJson(io, { file, groups: rules.groups.map((g) => ({ name: g.name, rules: g.rules.length })) });
    else io.err(`wrote ${file}\n`);
  } else if (values.json) printJson(io, rules);
  else io.out(yaml);
  return EXIT_OK;
}
