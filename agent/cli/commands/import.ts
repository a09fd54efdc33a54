/**
 * `vigil import FILE… [-o vigil.yaml]`: reads LaunchAgent plists, systemd units, docker-compose and PM2
 * ecosystem files and writes one manifest (comments on what could not be mapped), with the secrets in
 * the credential store. `--replace` then takes the originals over; `--restore` gives them back.
 * Reading: ../import-sources.ts; mapping: core/import; taking over: app/import-replace.ts.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { assemble } from '../../core/import/assemble.js';
import { emitManifest } from '../../core/import/emit.js';
import { parseManifest } from '../../core/manifest/parse.js';
import { setKeys } from '../../app/credentials.js';
import {
  checkOriginals,
  replaceOriginals,
  restoreOriginals,
  type ReplaceDeps,
} from '../../app/import-replace.js';
import { vigilPaths } from '../../core/paths.js';
import { assertPrivateHome } from '../../adapters/fs/private-home.js';
import { NodeProcessRunner } from '../../adapters/process/node-runner.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';
import { loadManifest } from '../manifest-file.js';
import { directCredentials } from '../secrets-deps.js';
import { readEnvFiles, readSources } from '../import-sources.js';

const USAGE =
  'vigil import FILE… [-o vigil.yaml] [--force] [--allow-js] [--all-env-to-credentials] [--replace [--timeout SEC]] | vigil import --restore';

export async function importCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      'allow-js': { type: 'boolean' },
      'all-env-to-credentials': { type: 'boolean' },
      replace: { type: 'boolean' },
      restore: { type: 'boolean' },
      timeout: { type: 'string' },
      ...JSON_FLAG,
    },
    USAGE,
  );
  if (values.restore === true) {
    if (positionals.length > 0) throw new VigilError('E_USAGE', `--restore takes no files\nusage: ${USAGE}`);
    const restored = await withReplaceDeps(io, (d) => restoreOriginals(d));
    if (values.json) printJson(io, { restored });
    else
      io.out(
        `restored ${restored.map((r) => (r.original.kind === 'systemd' ? r.original.unit : r.original.label)).join(', ')}; Vigil's copies removed\n`,
      );
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new VigilError('E_USAGE', `no files to import\nusage: ${USAGE}`);
  const out = path.resolve(io.cwd, str(values.out) ?? 'vigil.yaml');
  if (existsSync(out) && values.force !== true)
    throw new VigilError(
      'E_USAGE',
      `${out} exists; choose another with -o FILE, or pass --force to replace it`,
    );
  if (!existsSync(path.dirname(out)))
    throw new VigilError('E_USAGE', `cannot write ${out}: the directory ${path.dirname(out)} does not exist`);
  const files = positionals.map((f) => path.resolve(io.cwd, f));
  const imported = await readSources(files, {
    allowJs: values['allow-js'] === true,
    runner: new NodeProcessRunner(io.env),
    env: io.env,
  });
  const result = assemble(imported, {
    allEnvToCredentials: values['all-env-to-credentials'] === true,
    envFiles: readEnvFiles(imported),
  });
  const text = emitManifest(result.services, files, [...result.secrets.keys()]);
  // What is written must load: a mapping that gives an invalid manifest is refused before anything is written.
  parseManifest(text, { file: out, which: (p) => `/usr/bin/${p}` });
  // --replace: an original that is not the installed file is refused before anything is written.
  if (values.replace === true)
    await withReplaceDeps(io, (d) => checkOriginals(d.originals, result.originals));
  if (result.secrets.size > 0) {
    assertPrivateHome(vigilPaths(io.env));
    const direct = await directCredentials(io, true);
    try {
      for (const [set, keys] of result.secrets) setKeys(direct.deps, set, keys, 'cli', 'import');
    } finally {
      direct.close();
    }
  }
  writeFileSync(out, text, { mode: 0o644 });
  const notes = result.services.reduce((n, s) => n + s.notes.length, 0);
  const secretSummary = [...result.secrets].map(([set, keys]) => ({ set, keys: Object.keys(keys) }));
  let replaced: Awaited<ReturnType<typeof replaceOriginals>> = [];
  if (values.replace === true) {
    const timeoutSec = Number(str(values.timeout) ?? '60');
    if (!(timeoutSec > 0))
      throw new VigilError(
        'E_USAGE',
        `--timeout must be a number of seconds, not "${String(values.timeout)}"`,
      );
    const { manifest } = loadManifest(io, out, { checkPaths: true });
    replaced = await withReplaceDeps(io, (d) =>
      replaceOriginals(d, manifest, result.originals, { timeoutMs: timeoutSec * 1000, stableMs: 3000 }),
    );
  }
  if (values.json)
    printJson(io, {
      manifest: out,
      services: result.services.map((s) => s.name),
      notMapped: notes,
      credentials: secretSummary,
      replaced,
    });
  else {
    const lines = [
      `wrote ${out}: ${result.services.length} service(s) (${result.services.map((s) => s.name).join(', ')})`,
      ...(notes > 0
        ? [`${notes} setting(s) could not be mapped: see the "not mapped" comments in the manifest`]
        : []),
      ...secretSummary.map(
        (s) =>
          `credential set ${s.set}: ${s.keys.join(', ')} (values in the credential store, not in the manifest)`,
      ),
      ...(replaced.length > 0
        ? [
            `replaced ${replaced.map((r) => (r.original.kind === 'systemd' ? r.original.unit : r.original.label)).join(', ')} (unloaded, kept on disk; vigil import --restore brings them back)`,
          ]
        : values.replace === true
          ? []
          : [
              `next: vigil apply -f ${shown(io.cwd, out)}  (or vigil import --replace … to take the originals over)`,
            ]),
    ];
    io.out(`${lines.join('\n')}\n`);
  }
  return EXIT_OK;
}

async function withReplaceDeps<T>(io: Io, fn: (d: ReplaceDeps) => Promise<T>): Promise<T> {
  assertPrivateHome(vigilPaths(io.env));
  const [{ createContext }, { CommandOriginalServices }, { KindProber }] = await Promise.all([
    import('../../daemon/compose.js'),
    import('../../adapters/originals/originals.js'),
    import('../../adapters/probe/kind-prober.js'),
  ]);
  const ctx = await createContext(io.env);
  try {
    const uid = process.getuid?.() ?? 0;
    return await fn({
      manager: ctx.manager,
      store: ctx.store(),
      clock: ctx.clock,
      originals: new CommandOriginalServices(ctx.runner, async () => {
        const { Launchctl } = await import('../../adapters/launchd/launchctl.js');
        return new Launchctl({
          runner: ctx.runner,
          clock: ctx.clock,
          env: io.env,
          uid,
          ...(io.env.VIGIL_LAUNCHD_DOMAIN ? { domain: io.env.VIGIL_LAUNCHD_DOMAIN } : {}),
        });
      }),
      prober: new KindProber(ctx.runner),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
  } finally {
    ctx.close();
  }
}

/** The manifest's path as the user would type it: relative below the working directory, else absolute. */
function shown(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}
