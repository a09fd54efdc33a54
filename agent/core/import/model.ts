/**
 * `vigil import`: what every reader (systemd units, LaunchAgent plists, docker-compose files, PM2
 * ecosystem files) turns its input into, before the secrets are split off and the manifest is written.
 * Pure types; each format has its own small reader module in this directory.
 */
import { VigilError } from '../errors.js';
import type { DependencyCondition } from '../manifest/deps.js';
import type { RestartPolicy } from '../manifest/model.js';

export type ImportFormat = 'systemd' | 'launchd' | 'compose' | 'pm2';

/** Where something was written in a source file (line is 1-based; null when unknown). */
export interface SourceAt {
  file: string;
  line: number | null;
}

/** Something the reader could not map; written as a YAML comment above the service in the manifest. */
export interface ImportNote extends SourceAt {
  message: string;
}

/** One environment value and where it came from (secrets are decided on the origin too). */
export interface ImportedEnv {
  value: string;
  /** `file`: an env file (.env, env_file, EnvironmentFile=); `inline`: the source file itself. */
  origin: 'file' | 'inline';
}

/** An env file the source names; the CLI reads it (core does no I/O) and gives its text back. */
export interface EnvFileRef extends SourceAt {
  path: string;
  /** systemd's `-` prefix, compose's `required: false`: a missing file is not an error. */
  optional: boolean;
  dialect: 'systemd' | 'dotenv';
}

/** The health probe, in the manifest's own keys. */
export interface ImportedHealth {
  url?: string;
  tcp?: string;
  exec?: string[];
  intervalSec?: number;
  timeoutSec?: number;
}

/** The original the service came from, for `vigil import --replace` (unload it) and `--restore`. */
export type Original =
  { kind: 'systemd'; unit: string; path: string } | { kind: 'launchd'; label: string; path: string };

export interface ImportedService {
  /** The manifest's service name (derived from the unit, label, compose or PM2 name). */
  name: string;
  at: SourceAt;
  description?: string;
  command: string[];
  cwd?: string;
  env: Record<string, ImportedEnv>;
  envFiles: EnvFileRef[];
  /** Credential sets the source already names (Vigil's own units): kept as they are. */
  credentials?: string[];
  restart?: { policy?: RestartPolicy; delaySec?: number; burst?: number; intervalSec?: number };
  limits?: { memoryBytes?: number; cpuPercent?: number };
  stopTimeoutSec?: number;
  /** Dependencies by their name in the source (unit, label, compose or PM2 name), resolved later. */
  dependsOn: { ref: string; condition: DependencyCondition; at: SourceAt }[];
  health?: ImportedHealth;
  /** Vigil's own units: the probes this service waits for (--wait-for), i.e. its healthy dependencies' health. */
  waitProbes?: { service: string; probe: ImportedHealth }[];
  logs?: { maxBytes?: number; keep?: number };
  launchdProcessType?: 'Standard' | 'Interactive' | 'Adaptive' | 'Background';
  notes: ImportNote[];
  original?: Original;
  /** Names the other services' dependsOn may use for this one (unit file name, label, compose key). */
  aliases: string[];
}

/** An input that cannot be imported at all: the file, the line and why. Nothing is written then. */
export function importError(at: SourceAt, message: string): VigilError {
  const where = at.line === null ? at.file : `${at.file}:${at.line}`;
  return new VigilError('E_IMPORT', `${where}: ${message}`, {
    details: { file: at.file, line: at.line },
  });
}

/** 1-based line of character offset `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The first line on which `needle` occurs (from line `from`), or null. */
export function findLine(text: string, needle: string, from = 1): number | null {
  const lines = text.split('\n');
  for (let i = Math.max(0, from - 1); i < lines.length; i++) if (lines[i]!.includes(needle)) return i + 1;
  return null;
}
