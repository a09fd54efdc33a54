/**
 * A PM2 ecosystem file → one ImportedService per app. Pure: the caller gives the parsed value (JSON, or
 * for .js/.cjs what the child process evaluating it printed, only with --allow-js) and the text, from
 * which lines are found by the app's name.
 */
import path from 'node:path/posix';
import { findLine, importError, type ImportedService, type ImportNote } from './model.js';
import { parseSizeBytes, serviceNameOf, splitShell } from './words.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const HANDLED = new Set([
  'name',
  'script',
  'args',
  'interpreter',
  'interpreter_args',
  'node_args',
  'cwd',
  'env',
  'max_memory_restart',
  'autorestart',
  'restart_delay',
  'kill_timeout',
  'max_restarts',
  'min_uptime',
  'instances',
  'exec_mode',
  'out_file',
  'error_file',
  'log_file',
]);

/** The interpreter PM2 picks for a script by its extension when none is given. */
function defaultInterpreter(script: string): string | null {
  if (/\.(c|m)?js$/.test(script)) return 'node';
  if (/\.py$/.test(script)) return 'python3';
  if (/\.sh$/.test(script)) return 'bash';
  if (/\.rb$/.test(script)) return 'ruby';
  return null;
}

export function readEcosystem(file: string, text: string, value: unknown): ImportedService[] {
  const apps = Array.isArray(value) ? value : isObj(value) && Array.isArray(value.apps) ? value.apps : null;
  if (apps === null) throw importError({ file, line: 1 }, 'not a PM2 ecosystem file: it has no "apps" list');
  const baseDir = path.dirname(file);
  return apps.map((app: unknown, i) => {
    if (!isObj(app) || typeof app.script !== 'string')
      throw importError(
        { file, line: findLine(text, '"script"') ?? findLine(text, 'script') },
        `apps[${i}] has no "script"`,
      );
    const name = typeof app.name === 'string' ? app.name : path.basename(app.script).replace(/\.[^.]+$/, '');
    const appLine =
      findLine(text, JSON.stringify(name)) ?? findLine(text, `'${name}'`) ?? findLine(text, name) ?? 1;
    const lineOf = (key: string) =>
      findLine(text, `"${key}"`, appLine) ?? findLine(text, `${key}:`, appLine) ?? appLine;
    const notes: ImportNote[] = [];
    const note = (key: string, message: string) => notes.push({ file, line: lineOf(key), message });
    const cwd = typeof app.cwd === 'string' ? path.resolve(baseDir, app.cwd) : baseDir;
    const words = (v: unknown): string[] =>
      Array.isArray(v) ? v.map(String) : typeof v === 'string' ? splitShell(v).words : [];
    const interp = typeof app.interpreter === 'string' ? app.interpreter : defaultInterpreter(app.script);
    const command =
      interp === null || interp === 'none'
        ? [app.script, ...words(app.args)]
        : [interp, ...words(app.interpreter_args ?? app.node_args), app.script, ...words(app.args)];
    const svc: ImportedService = {
      name: serviceNameOf(name),
      at: { file, line: appLine },
      command,
      cwd,
      env: {},
      envFiles: [],
      dependsOn: [],
      notes,
      aliases: [name],
      restart: { policy: app.autorestart === false ? 'no' : 'always' },
    };
    if (isObj(app.env))
      for (const [k, v] of Object.entries(app.env)) svc.env[k] = { value: String(v), origin: 'inline' };
    if (app.max_memory_restart !== undefined) {
      const b = parseSizeBytes(String(app.max_memory_restart));
      if (b === null) note('max_memory_restart', 'max_memory_restart could not be read; not mapped');
      else svc.limits = { memoryBytes: b };
    }
    if (typeof app.restart_delay === 'number')
      svc.restart!.delaySec = Math.min(3600, app.restart_delay / 1000);
    if (typeof app.kill_timeout === 'number')
      svc.stopTimeoutSec = Math.min(3600, Math.max(1, Math.ceil(app.kill_timeout / 1000)));
    if (typeof app.max_restarts === 'number') {
      svc.restart!.burst = Math.min(1000, Math.max(1, app.max_restarts));
      note(
        'max_restarts',
        `max_restarts is imported as restart.burst (${svc.restart!.burst} restarts per restart.intervalSec)`,
      );
    }
    if (app.instances !== undefined && app.instances !== 1)
      note(
        'instances',
        `instances: ${String(app.instances)} (cluster mode) is not mapped: Vigil runs one process`,
      );
    for (const k of ['out_file', 'error_file', 'log_file'])
      if (app[k] !== undefined)
        note(k, `${k}: Vigil writes the output to its own log ($VIGIL_HOME/logs/${svc.name}.log) instead`);
    for (const k of Object.keys(app)) {
      if (HANDLED.has(k)) continue;
      note(
        k,
        /^env_/.test(k)
          ? `${k} (an environment for pm2 --env) is not mapped; only env is`
          : `${k} is not mapped`,
      );
    }
    return svc;
  });
}
