/**
 * `vigil scale NAME N`: run N instances of a service (see core/manifest/replicas.ts). Only that service's
 * instances change: new ones are installed and started, the ones beyond N stopped and removed, the ones it
 * keeps are not touched (their template unit is the same). The count is written into the manifest
 * (`services.NAME.replicas`), so that the next `vigil apply` keeps it.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { describePlan, planIsEmpty } from '../../core/plan.js';
import { groupOf, MAX_REPLICAS } from '../../core/manifest/replicas.js';
import { setReplicasInText } from '../../core/manifest/replicas-edit.js';
import { computePlan, executePlan, type ApplyPlan } from '../../app/apply.js';
import { createContext } from '../../daemon/compose.js';
import { writeFileAtomic } from '../../adapters/fs/write-atomic.js';
import { assertPrivateHome } from '../../adapters/fs/private-home.js';
import { vigilPaths } from '../../core/paths.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { loadManifest } from '../manifest-file.js';
import { printJson, type Io } from '../io.js';

const SCALE_USAGE = `vigil scale NAME N [-f FILE] [--json]   (N: 1–${MAX_REPLICAS})`;

export async function scaleCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { file: { type: 'string', short: 'f' }, ...JSON_FLAG },
    SCALE_USAGE,
  );
  const [name, countText, ...extra] = positionals;
  if (name === undefined || countText === undefined || extra.length > 0)
    throw new VigilError('E_USAGE', `usage: ${SCALE_USAGE}`);
  const count = Number(countText);
  if (!/^[0-9]+$/.test(countText) || count < 1 || count > MAX_REPLICAS)
    throw new VigilError('E_USAGE', `N must be a whole number from 1 to ${MAX_REPLICAS}, not "${countText}"`);
  const { manifest } = loadManifest(io, str(values.file), { checkPaths: true });
  const spec = manifest.services.find((s) => s.name === name);
  if (!spec)
    throw new VigilError(
      'E_UNKNOWN_SERVICE',
      `${manifest.file} has no service "${name}" (services: ${manifest.services.map((s) => s.name).join(', ')})`,
    );
  // What the manifest check says of `replicas:` (replicas-part.ts), for the count set here.
  const dependents = manifest.services.filter((s) => s.dependsOn.includes(name)).map((s) => s.name);
  if (dependents.length > 0)
    throw new VigilError(
      'E_USAGE',
      `cannot scale ${name}: ${dependents.join(', ')} depend${dependents.length > 1 ? '' : 's'} on it, and a service cannot depend on a replicated one (scaling it would restart them)`,
    );
  assertPrivateHome(vigilPaths(io.env));
  const scaled = {
    ...manifest,
    services: manifest.services.map((s) => (s.name === name ? { ...s, replicas: count } : s)),
  };
  const ctx = await createContext(io.env);
  try {
    const deps = { manager: ctx.manager, store: ctx.store(), clock: ctx.clock };
    const plan = onlyGroup(await computePlan(deps, scaled, false), name);
    await executePlan(deps, plan);
    if (spec.replicas !== count) await writeManifest(manifest.file, name, count);
    if (values.json)
      printJson(io, {
        service: name,
        replicas: count,
        started: plan.create.map((u) => u.service),
        restarted: plan.update.map((u) => u.desired.service),
        kept: plan.unchanged.map((u) => u.service),
        removed: plan.remove.map((u) => u.service),
      });
    else {
      const head = planIsEmpty(plan) ? `${name} already runs ${count}:` : `${name} scaled to ${count}:`;
      const file = path.relative(io.cwd, manifest.file) || manifest.file;
      const wrote = spec.replicas !== count ? `  (${file}: services.${name}.replicas: ${count})\n` : '';
      io.out(
        `${head}\n${describePlan(plan)
          .map((l) => `  ${l}`)
          .join('\n')}\n${wrote}`,
      );
    }
    return EXIT_OK;
  } finally {
    ctx.close();
  }
}

/** The part of the plan about this service's units; nothing else is changed by a scale. */
function onlyGroup(plan: ApplyPlan, name: string): ApplyPlan {
  const mine = (service: string) => groupOf(service) === name;
  return {
    create: plan.create.filter((u) => mine(u.service)),
    update: plan.update.filter((u) => mine(u.desired.service)),
    unchanged: plan.unchanged.filter((u) => mine(u.service)),
    remove: plan.remove.filter((u) => mine(u.service)),
    orphans: [],
  };
}

async function writeManifest(file: string, name: string, count: number): Promise<void> {
  const text = readFileSync(file, 'utf8');
  try {
    await writeFileAtomic(file, setReplicasInText(text, name, count), statMode(file));
  } catch (err) {
    throw new VigilError(
      'E_IO',
      `scaled, but could not write services.${name}.replicas: ${count} into ${file} (${(err as Error).message}); set it there, or the next vigil apply goes back`,
      { cause: err },
    );
  }
}

/** The manifest keeps its permission bits. */
function statMode(file: string): number {
  return statSync(file).mode & 0o7777;
}
