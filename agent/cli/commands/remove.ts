/** `vigil remove NAME... [--purge]`: the unit goes; logs and credentials stay unless --purge. */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EXIT_OK, VigilError } from '../../core/errors.js';
import { serviceLogPath } from '../../core/paths.js';
import { launcherLogPath } from '../../adapters/launcher/contract.js';
import { requireServices } from '../../app/service-actions.js';
import { createContext } from '../../daemon/compose.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { expandNames } from '../../core/manifest/replicas.js';

export async function removeCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil remove NAME... [--purge] [--json]';
  const { values, positionals: given } = parse(argv, { purge: { type: 'boolean' }, ...JSON_FLAG }, usage);
  if (given.length === 0) throw new VigilError('E_USAGE', `name at least one service\nusage: ${usage}`);
  const ctx = await createContext(io.env);
  try {
    const store = ctx.store();
    // A unit Vigil wrote but never recorded (an apply whose rollback failed) is found by its marker.
    const installed = new Set((await ctx.manager.listInstalled()).map((u) => u.service));
    const recorded = new Set(store.listServices().map((s) => s.name));
    // A replicated service's name stands for all its instances.
    const positionals = expandNames(given, [...new Set([...installed, ...recorded])]);
    requireServices(
      store,
      positionals.filter((n) => !installed.has(n)),
    );
    const records = store.listServices().filter((s) => positionals.includes(s.name));
    const unrecorded = positionals.filter((n) => !recorded.has(n));
    await ctx.manager.remove(positionals);
    const now = ctx.clock.now();
    const purged: string[] = [];
    store.transaction(() => {
      for (const r of records) store.removeService(r.name);
      store.appendEvents(
        [...records.map((r) => r.name), ...unrecorded].map((name) => ({
          key: `remove:${name}:${now}`,
          at: now,
          service: name,
          type: 'removed' as const,
          severity: 'info' as const,
          message: `${name} removed${values.purge ? ' (logs and unshared credentials purged)' : ''}`,
        })),
      );
    });
    if (values.purge) {
      const stillUsed = new Set(store.listServices().flatMap((s) => s.spec.credentials));
      for (const name of unrecorded)
        purged.push(...purgeLogs(serviceLogPath(ctx.paths, name), launcherLogPath(ctx.paths, name)));
      for (const r of records) {
        purged.push(...purgeLogs(serviceLogPath(ctx.paths, r.name), launcherLogPath(ctx.paths, r.name)));
        // The set's file and its kept versions (old values must not linger either).
        const { credentials } = ctx;
        for (const set of r.spec.credentials.filter((c) => !stillUsed.has(c)))
          purged.push(...credentials.purge(set));
      }
    }
    if (values.json) printJson(io, { removed: positionals, purged });
    else
      io.out(
        `removed ${positionals.join(', ')}${values.purge ? ' (purged logs and unshared credential sets)' : ''}\n`,
      );
    return EXIT_OK;
  } finally {
    ctx.close();
  }
}

function purgeLogs(log: string, launcherLog: string): string[] {
  const files = [log, ...rotatedLogs(log, launcherLog)];
  for (const f of files) rmSync(f, { force: true });
  return files;
}

/** The files next to a service's log that belong to it: rotated `<name>.log.N` (any N) and `<name>.launcher.log`. */
function rotatedLogs(file: string, launcherLogFile: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const launcherLog = path.basename(launcherLogFile);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n === launcherLog || (n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1))))
    .map((n) => path.join(dir, n));
}
