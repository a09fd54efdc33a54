/**
 * Parsing of `launchctl print <domain>/<label>` and `launchctl list`. Pure.
 *
 * Apple says the print output "is NOT API in any sense at all" (launchctl(1)), so only what is needed is
 * read, defensively: the TOP-LEVEL `key = value` lines of the service block (nested blocks such as
 * `environment = {…}` or the coalitions repeat keys like `state =` and are skipped), unknown or missing
 * fields stay unknown. Captured outputs from real Macs are in test/fixtures/launchd/ (see its README).
 */
import { darwinSignalName } from './darwin-signals.js';

export interface PrintInfo {
  /** Lower-cased top-level keys and their raw values. */
  fields: Map<string, string>;
  /** running, not running, spawn scheduled, SIGTERMed, xpcproxy, waiting… (null when absent). */
  state: string | null;
  pid: number | null;
  /** Spawns since the job was loaded. */
  runs: number | null;
  /** How the last process ended: an exit code, or a signal (darwin name); null for "(never exited)"/unknown. */
  lastExit: { code: number | null; signal: string | null } | null;
  neverExited: boolean;
  /** `last exit reason` (jetsam, codesigning…), when launchd gives one. */
  lastExitReason: string | null;
  path: string | null;
}

export function parsePrint(stdout: string): PrintInfo {
  const fields = new Map<string, string>();
  const lines = stdout.split(/\r?\n/);
  // The header names the service ("gui/501/dev.vigil.web = {", "com.wazuh.agent = {"); a fragment that
  // starts with a block such as "arguments = {" has none.
  const first = lines.findIndex((l) => l.trim() !== '');
  const open = first >= 0 && /^[^\s=]*[./][^\s=]* = \{\s*$/.test(lines[first]!) ? first : -1;
  let indent: string | null = null;
  for (const raw of lines.slice(open + 1)) {
    if (raw.trim() === '') continue;
    const lead = /^[ \t]*/.exec(raw)![0];
    // The first content line sets the top level's indentation (a TAB on a Mac; spaces when pasted).
    indent ??= lead;
    if (lead !== indent) continue;
    const line = raw.slice(lead.length);
    if (line.includes('=>')) continue;
    const eq = line.indexOf(' = ');
    const bare = eq < 0 && line.endsWith(' =') ? line.length - 2 : eq;
    if (bare <= 0) continue;
    const key = line.slice(0, bare).trim().toLowerCase();
    const value = eq < 0 ? '' : line.slice(eq + 3).trim();
    if (value === '{') continue;
    if (!fields.has(key)) fields.set(key, value);
  }
  const int = (k: string): number | null => {
    const m = /^(\d+)/.exec(fields.get(k) ?? '');
    return m ? Number(m[1]) : null;
  };
  const code = fields.get('last exit code');
  const signalLine = fields.get('last terminating signal');
  const neverExited = code !== undefined && /never exited/i.test(code);
  let lastExit: PrintInfo['lastExit'] = null;
  // A signal outranks an exit code: launchd prints the signal line instead of (or besides) a code.
  const sig = signalLine === undefined ? null : /(\d+)\s*$/.exec(signalLine);
  if (sig) lastExit = { code: null, signal: darwinSignalName(Number(sig[1])) };
  else if (code !== undefined && /^-?\d+/.test(code)) {
    const n = Number(/^-?\d+/.exec(code)![0]);
    lastExit = n < 0 ? { code: null, signal: darwinSignalName(-n) } : { code: n, signal: null };
  }
  return {
    fields,
    state: fields.get('state') ?? null,
    pid: int('pid'),
    runs: int('runs'),
    lastExit,
    neverExited,
    lastExitReason: fields.get('last exit reason') ?? null,
    path: fields.get('path') ?? null,
  };
}

export interface ListRow {
  label: string;
  pid: number | null;
  /** The last exit status column: an exit code, or a negative signal number; null when "-". */
  status: number | null;
}

/**
 * `launchctl list` (no argument): a header line `PID\tStatus\tLabel`, then one tab-separated line per job
 * loaded in the caller's domain. PID is `-` when not running.
 */
export function parseList(stdout: string): Map<string, ListRow> {
  const rows = new Map<string, ListRow>();
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s*(-|\d+)\s+(-|-?\d+)\s+(\S.*?)\s*$/.exec(line);
    if (!m) continue;
    const label = m[3]!;
    rows.set(label, {
      label,
      pid: m[1] === '-' ? null : Number(m[1]),
      status: m[2] === '-' ? null : Number(m[2]),
    });
  }
  return rows;
}

/**
 * The status column decoded: negative = the signal that stopped the job (launchctl(1): "-15" means
 * SIGTERM); a raw wait status (exit code << 8, seen in some versions' dict form) is decoded too.
 */
export function decodeListStatus(
  status: number | null,
): { code: number | null; signal: string | null } | null {
  if (status === null) return null;
  if (status < 0) return { code: null, signal: darwinSignalName(-status) };
  if (status > 255 && status % 256 === 0) return { code: status >> 8, signal: null };
  return { code: status, signal: null };
}

/** `launchctl <verb> failed: <n>: <text>` / `Could not find service …` → the launchd error number, when said. */
export function launchdErrorNumber(stderr: string): number | null {
  const m = /(?:failed|service)[^:\n]*:\s*(\d+):/i.exec(stderr);
  return m ? Number(m[1]) : null;
}
