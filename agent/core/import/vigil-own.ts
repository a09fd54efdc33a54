/**
 * Vigil's own units and plists run every service under vigil-launch (agent/adapters/launcher/contract.ts):
 * `vigil-launch --service NAME --log … --max-bytes N --keep N [host options] [--wait-for …] -- argv…`.
 * Reading that command line back gives the service's own argv, log rotation, stop timeout, credential sets
 * (launchd: --env-file) and healthy dependencies with their probes, so importing what Vigil rendered gives
 * back the manifest it came from. Pure.
 */
import path from 'node:path/posix';
import type { ImportedHealth } from './model.js';

export interface LauncherRun {
  service: string;
  command: string[];
  maxBytes?: number;
  keep?: number;
  /** --stop-timeout as written (the backend adds its margin on systemd). */
  stopTimeout?: number;
  /** launchd: --env-file <credentials>/<set>.env. */
  envFiles: string[];
  waits: { service: string; probe: ImportedHealth }[];
}

/** The launcher's run, or null when argv is not a vigil-launch command line. */
export function readLauncherArgv(argv: readonly string[]): LauncherRun | null {
  if (argv.length < 4 || path.basename(argv[0] ?? '') !== 'vigil-launch' || argv[1] !== '--service')
    return null;
  const sep = argv.indexOf('--');
  if (sep < 0) return null;
  const run: LauncherRun = { service: argv[2] ?? '', command: argv.slice(sep + 1), envFiles: [], waits: [] };
  for (let i = 3; i < sep; i++) {
    const opt = argv[i];
    const val = argv[i + 1] ?? '';
    if (opt === '--max-bytes') run.maxBytes = Number(val);
    else if (opt === '--keep') run.keep = Number(val);
    else if (opt === '--stop-timeout') run.stopTimeout = Number(val);
    else if (opt === '--env-file') run.envFiles.push(val);
    else if (opt === '--wait-for') {
      const eq = val.indexOf('=');
      const probe = probeOfTarget(val.slice(eq + 1));
      if (eq > 0 && probe) run.waits.push({ service: val.slice(0, eq), probe });
    } else if (opt === '--wait-timeout' || opt === '--wait-attempt-ms' || opt === '--log') {
      /* derived from the dependencies' probes, or Vigil's own path */
    } else if (opt === '--exits' || opt === '--end-file') {
      /* Vigil's own paths */
    } else continue;
    i++;
  }
  return run.service === '' || run.command.length === 0 ? null : run;
}

const decode = (s: string) => s.replace(/%2C/g, ',').replace(/%25/g, '%');

/** A --wait-for target (core/manifest/wait-args.ts waitTarget) back into a health probe. */
function probeOfTarget(t: string): ImportedHealth | null {
  if (t.startsWith('http:')) return { url: t.slice(5) };
  if (t.startsWith('tcp:')) return { tcp: t.slice(4) };
  if (t.startsWith('exec:')) return { exec: t.slice(5).split(',').map(decode) };
  if (t.startsWith('execin:')) return { exec: t.slice(7).split(',').map(decode).slice(1) };
  return null;
}

/** `<home>/credentials/<set>.env` → set; null for any other file. */
export function credentialSetOfPath(p: string): string | null {
  const m = /\/credentials\/([a-z0-9][a-z0-9_-]*)\.env$/.exec(p);
  return m ? m[1]! : null;
}
