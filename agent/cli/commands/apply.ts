/** `vigil apply` and `vigil render`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { describePlan, planIsEmpty } from '../../core/plan.js';
import { expandReplicas } from '../../core/manifest/replicas.js';
import { computePlan, executePlan, type ApplyPlan } from '../../app/apply.js';
import { CREDENTIAL_POLICIES_KEY } from '../../app/credentials.js';
import { saveAlertsConfig } from '../../app/alerts-config.js';
import { saveUsageSettings } from '../../app/usage/settings.js';
import { createContext, selectBackend } from '../../daemon/compose.js';
import { renderUnit } from '../../adapters/systemd/unit-render.js';
import { renderPlist } from '../../adapters/launchd/plist-render.js';
import { launchAgentDir } from '../../adapters/launchd/labels.js';
import { launcherPath } from '../../adapters/launcher/contract.js';
import { vigilPaths } from '../../core/paths.js';
import { assertPrivateHome } from '../../adapters/fs/private-home.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { loadManifest } from '../manifest-file.js';
import { printJson, type Io } from '../io.js';
import { agentClient } from '../remote.js';

const APPLY_USAGE = 'vigil apply [-f FILE] [--dry-run] [--prune] [--json]';

export async function applyCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      file: { type: 'string', short: 'f' },
      'dry-run': { type: 'boolean' },
      prune: { type: 'boolean' },
      ...JSON_FLAG,
    },
    APPLY_USAGE,
  );
  // The dry run checks what apply needs too: each program can be executed, each cwd is a directory.
  const { manifest } = loadManifest(io, str(values.file), { checkPaths: true });
  // Another user who can write VIGIL_HOME, logs/ or state/ could swap a log or forge exits: refuse first.
  assertPrivateHome(vigilPaths(io.env));
  const ctx = await createContext(io.env);
  try {
    const deps = { manager: ctx.manager, store: ctx.store(), clock: ctx.clock };
    const plan = await computePlan(deps, manifest, values.prune === true);
    if (values['dry-run'] !== true) {
      await executePlan(deps, plan);
      deps.store.setState(CREDENTIAL_POLICIES_KEY, manifest.credentials ?? {});
      saveAlertsConfig(deps.store, manifest);
      saveUsageSettings(deps.store, manifest);
    }
    // Budgets, alerts and `otlp:` take effect now rather than at the agent's next idle tick (a minute).
    if (values['dry-run'] !== true) await tellAgent(io);
    if (values.json) printJson(io, { dryRun: values['dry-run'] === true, ...planJson(plan) });
    else {
      const lines = describePlan(plan);
      const head = values['dry-run']
        ? 'Plan (dry run, nothing changed):'
        : planIsEmpty(plan)
          ? 'Nothing to do:'
          : 'Applied:';
      io.out(`${head}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    }
    return EXIT_OK;
  } finally {
    ctx.close();
  }
}

async function tellAgent(io: Io): Promise<void> {
  const client = await agentClient(io);
  if (client === null) return; // the agent reads the settings when it starts
  try {
    await client.reload();
  } catch (err) {
    io.err(
      `warning: the agent was not told (${(err as Error).message}); it reads the new settings at its next tick\n`,
    );
  }
}

function planJson(plan: ApplyPlan) {
  return {
    create: plan.create.map((u) => u.service),
    update: plan.update.map((u) => ({ service: u.desired.service, reason: u.reason })),
    unchanged: plan.unchanged.map((u) => u.service),
    remove: plan.remove.map((u) => u.service),
    orphans: plan.orphans.map((u) => u.service),
  };
}

const RENDER_USAGE = 'vigil render [-f FILE] --out DIR [--backend systemd|launchd] [--json]';

export async function renderCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      file: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      backend: { type: 'string' },
      ...JSON_FLAG,
    },
    RENDER_USAGE,
  );
  const out = str(values.out);
  if (!out) throw new VigilError('E_USAGE', `--out DIR is required\nusage: ${RENDER_USAGE}`);
  const backend = str(values.backend) ?? selectBackend(io.env);
  if (backend !== 'systemd' && backend !== 'launchd') {
    throw new VigilError('E_USAGE', `--backend must be "systemd" or "launchd", not "${backend}"`);
  }
  const { manifest } = loadManifest(io, str(values.file));
  const paths = vigilPaths(io.env);
  const dir = path.resolve(io.cwd, out);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const plistCtx = { paths, agentDir: launchAgentDir(io.env), launcher: launcherPath(io.env) };
  // A replicated service's instances: N plists, or one systemd template unit that all of them share.
  for (const spec of expandReplicas(manifest.services)) {
    const unit =
      backend === 'launchd'
        ? renderPlist(spec, plistCtx)
        : renderUnit(spec, { paths, launcher: plistCtx.launcher });
    const file = path.join(dir, path.basename(unit.path));
    if (written.includes(file)) continue;
    writeFileSync(file, unit.content);
    written.push(file);
  }
  if (values.json) printJson(io, { backend, files: written });
  else io.out(`${written.map((f) => `wrote ${f}`).join('\n')}\n`);
  return EXIT_OK;
}
