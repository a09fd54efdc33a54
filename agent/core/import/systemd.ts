/**
 * A systemd unit file (.service) → an ImportedService. Pure: the caller reads the file (and, later, the
 * EnvironmentFile= files). Each setting it maps is listed in docs/import.md; anything else becomes a
 * note naming its line. A unit rendered by Vigil (ExecStart= runs vigil-launch) is read back through the
 * launcher's command line (vigil-own.ts).
 */
import path from 'node:path/posix';
import { LAUNCHER_MARGIN_SEC } from '../manifest/stop-settings.js';
import { parseCpuPercent } from '../manifest/units.js';
import { importError, type ImportedService, type ImportNote } from './model.js';
import { parseSizeBytes, parseSpanSec, serviceNameOf, splitSystemd } from './words.js';
import { credentialSetOfPath, readLauncherArgv } from './vigil-own.js';

interface Setting {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** Settings that mean nothing for a Vigil service, or that Vigil itself writes: not reported. */
const QUIET = new Set([
  'Install.WantedBy',
  'Install.Alias',
  'Unit.Documentation',
  'Service.Type',
  'Service.NotifyAccess',
  'Service.KillMode',
  'Service.TimeoutStartSec',
  'Service.StandardOutput',
  'Service.StandardError',
  'Service.ExecStopPost',
  'Unit.X-Vigil-Home',
  'Unit.X-Vigil-Hash',
]);
/** Ordering targets that every user service is after anyway. */
const SYSTEM_TARGETS =
  /^(network|network-online|default|multi-user|basic|graphical|sockets|timers|paths|nss-lookup|time-sync)\.target$/;

export function readUnitSettings(file: string, text: string): Setting[] {
  const out: Setting[] = [];
  const lines = text.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!.replace(/\r$/, '');
    if (/^\s*[#;]/.test(line) || line.trim() === '') continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} ${lines[++i]!.replace(/\r$/, '')}`;
    }
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || section === '')
      throw importError(
        { file, line: start },
        `not a unit file line (expected [Section] or Key=value): ${JSON.stringify(line.trim().slice(0, 60))}`,
      );
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: start });
  }
  if (!out.some((s) => s.section === 'Service'))
    throw importError({ file, line: null }, 'not a service unit: it has no [Service] section');
  return out;
}

/** `Environment=` values: several quoted or bare KEY=value words on one line. */
function envAssignments(value: string): { key: string; value: string }[] | null {
  const split = splitSystemd(value.replace(/\$/g, '$$$$'));
  if (split.error) return null;
  const out: { key: string; value: string }[] = [];
  for (const w of split.words) {
    const eq = w.indexOf('=');
    if (eq <= 0) return null;
    out.push({ key: w.slice(0, eq), value: w.slice(eq + 1) });
  }
  return out;
}

/**
 * `%h` (the user's home, as a user manager resolves it) and `%%` in a path; other specifiers stay and are
 * reported.
 */
function pathSpecifiers(v: string, home: string | undefined, note: (m: string) => void): string {
  return v.replace(/%(.)/g, (all, c: string) => {
    if (c === '%') return '%';
    if (c === 'h' && home !== undefined) return home;
    note(`the specifier %${c} in ${JSON.stringify(v)} is not resolved; not mapped`);
    return all;
  });
}

export function readSystemdUnit(file: string, text: string, opts: { home?: string } = {}): ImportedService {
  const settings = readUnitSettings(file, text);
  const unit = path.basename(file);
  const notes: ImportNote[] = [];
  const note = (line: number | null, message: string) => notes.push({ file, line, message });
  const svc: ImportedService = {
    name: serviceNameOf(unit.replace(/\.service$/, '')),
    at: { file, line: settings[0]?.line ?? 1 },
    command: [],
    env: {},
    envFiles: [],
    dependsOn: [],
    notes,
    original: { kind: 'systemd', unit, path: file },
    aliases: [unit, unit.replace(/\.service$/, '')],
  };
  let execLine = 0;
  const deps = new Map<string, { line: number; healthy: boolean }>();
  const restart: NonNullable<ImportedService['restart']> = { policy: 'no' };
  for (const s of settings) {
    const id = `${s.section}.${s.key}`;
    const bad = () => note(s.line, `${s.key}=${s.value} could not be read; not mapped`);
    switch (id) {
      case 'Unit.Description':
        svc.description = s.value.replace(/%%/g, '%');
        break;
      case 'Service.ExecStart': {
        if (s.value === '') break;
        if (execLine > 0) {
          note(s.line, 'a second ExecStart= (Type=oneshot): only the first command is imported');
          break;
        }
        execLine = s.line;
        const prefix = /^[-@+!:]*/.exec(s.value)![0];
        if (prefix.includes('@'))
          note(s.line, 'ExecStart= with "@" (argv[0] given separately) is imported as the plain program');
        const split = splitSystemd(s.value.slice(prefix.length));
        if (split.error) throw importError({ file, line: s.line }, `ExecStart=: ${split.error}`);
        if (split.unexpanded.length > 0)
          note(
            s.line,
            `ExecStart= uses ${[...new Set(split.unexpanded)].join(', ')}, which systemd expands; Vigil passes them as written: replace them with values`,
          );
        svc.command = split.words;
        break;
      }
      case 'Service.Environment': {
        if (s.value === '') {
          svc.env = {};
          break;
        }
        const assigns = envAssignments(s.value);
        if (assigns === null)
          throw importError(
            { file, line: s.line },
            `Environment=: cannot read ${JSON.stringify(s.value.slice(0, 60))} (expected "KEY=value" words)`,
          );
        for (const a of assigns) svc.env[a.key] = { value: a.value, origin: 'inline' };
        break;
      }
      case 'Service.EnvironmentFile': {
        const optional = s.value.startsWith('-');
        const p = pathSpecifiers(s.value.slice(optional ? 1 : 0), opts.home, (m) => note(s.line, m));
        const set = credentialSetOfPath(p);
        if (set !== null) (svc.credentials ??= []).push(set);
        else svc.envFiles.push({ file, line: s.line, path: p, optional, dialect: 'systemd' });
        break;
      }
      case 'Service.WorkingDirectory': {
        const p = pathSpecifiers(s.value.replace(/^-/, ''), opts.home, (m) => note(s.line, m));
        if (p === '~' || !p.startsWith('/'))
          note(s.line, `WorkingDirectory=${s.value}: not an absolute path; not mapped`);
        else svc.cwd = p;
        break;
      }
      case 'Service.Restart': {
        const v = s.value;
        if (v === 'always' || v === 'on-failure' || v === 'no') restart.policy = v;
        else if (v === 'on-abnormal' || v === 'on-abort' || v === 'on-watchdog') {
          restart.policy = 'on-failure';
          note(s.line, `Restart=${v} is imported as on-failure (a failed exit restarts too)`);
        } else if (v === 'on-success') {
          restart.policy = 'always';
          note(s.line, 'Restart=on-success is imported as always (Vigil has no restart on success only)');
        } else bad();
        break;
      }
      case 'Service.RestartSec': {
        const sec = parseSpanSec(s.value);
        if (sec === null) bad();
        else restart.delaySec = sec;
        break;
      }
      case 'Unit.StartLimitIntervalSec':
      case 'Service.StartLimitInterval': {
        const sec = parseSpanSec(s.value);
        if (sec === null) bad();
        else restart.intervalSec = sec;
        break;
      }
      case 'Unit.StartLimitBurst':
      case 'Service.StartLimitBurst':
        if (/^\d+$/.test(s.value)) restart.burst = Number(s.value);
        else bad();
        break;
      case 'Service.MemoryMax':
      case 'Service.MemoryLimit': {
        if (s.value === 'infinity' || s.value === '') break;
        const bytes = parseSizeBytes(s.value);
        if (bytes === null)
          note(s.line, `${s.key}=${s.value}: only sizes are mapped (not percentages); not mapped`);
        else (svc.limits ??= {}).memoryBytes = bytes;
        break;
      }
      case 'Service.CPUQuota': {
        const pct = s.value === '' ? null : parseCpuPercent(s.value);
        if (pct === null) bad();
        else (svc.limits ??= {}).cpuPercent = pct;
        break;
      }
      case 'Service.TimeoutStopSec':
      case 'Service.TimeoutSec': {
        const sec = parseSpanSec(s.value);
        if (sec === null) bad();
        else svc.stopTimeoutSec = Math.min(3600, Math.max(1, Math.ceil(sec)));
        break;
      }
      case 'Unit.After':
      case 'Unit.Requires':
      case 'Unit.Wants':
      case 'Unit.BindsTo':
      case 'Unit.Requisite':
        for (const dep of s.value.split(/\s+/).filter(Boolean)) {
          if (SYSTEM_TARGETS.test(dep)) continue;
          const prev = deps.get(dep);
          deps.set(dep, { line: prev?.line ?? s.line, healthy: prev?.healthy ?? false });
        }
        break;
      default:
        if (!QUIET.has(id)) note(s.line, `${s.key}= is not mapped`);
    }
  }
  if (execLine === 0 || svc.command.length === 0)
    throw importError({ file, line: null }, 'the unit has no ExecStart=; nothing to run');
  svc.restart = restart;
  // Vigil's own unit: the service's own argv, rotation, stop timeout and healthy dependencies.
  const run = readLauncherArgv(svc.command);
  if (run) {
    svc.name = run.service;
    svc.command = run.command;
    svc.logs = {
      ...(run.maxBytes ? { maxBytes: run.maxBytes } : {}),
      ...(run.keep !== undefined ? { keep: run.keep } : {}),
    };
    if (run.stopTimeout !== undefined) svc.stopTimeoutSec = run.stopTimeout - LAUNCHER_MARGIN_SEC;
    if (svc.description === `Vigil service ${run.service}`) delete svc.description;
    for (const w of run.waits) {
      const unitOf = `vigil-${w.service}.service`;
      const d = deps.get(unitOf);
      deps.set(unitOf, { line: d?.line ?? execLine, healthy: true });
    }
    svc.waitProbes = run.waits;
    svc.aliases.push(run.service);
    delete svc.original;
  }
  for (const [ref, d] of deps)
    svc.dependsOn.push({ ref, condition: d.healthy ? 'healthy' : 'started', at: { file, line: d.line } });
  return svc;
}
