/**
 * A LaunchAgent plist (XML or binary) → an ImportedService. Pure: the caller reads the bytes. The `plist`
 * package gives no positions, so lines are found by the `<key>` in the XML text (null for a binary plist).
 * A plist rendered by Vigil (VigilManaged, ProgramArguments running vigil-launch) is read back through the
 * launcher's command line (vigil-own.ts).
 */
import path from 'node:path/posix';
import { parse, parseBinary, type PlistValue } from 'plist';
import { importError, findLine, type ImportedService, type ImportNote } from './model.js';
import { serviceNameOf } from './words.js';
import { credentialSetOfPath, readLauncherArgv } from './vigil-own.js';

type Dict = { [key: string]: PlistValue };
const isDict = (v: unknown): v is Dict =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !ArrayBuffer.isView(v);

/** Keys with no meaning for a Vigil service or written by Vigil itself: not reported. */
const QUIET = new Set(['Label', 'RunAtLoad', 'VigilManaged', 'StandardOutPath', 'StandardErrorPath']);
const PROCESS_TYPES = new Set(['Standard', 'Interactive', 'Adaptive', 'Background']);

export function parsePlistBytes(file: string, bytes: Uint8Array): { dict: Dict; text: string | null } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const binary = buf.subarray(0, 6).toString('latin1') === 'bplist';
  let value: unknown;
  try {
    value = binary ? parseBinary(buf) : parse(buf.toString('utf8'));
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    const line = /Line:\s*(\d+)/.exec((err as Error).message)?.[1];
    throw importError({ file, line: line ? Number(line) + 1 : null }, `not a property list (plist): ${msg}`);
  }
  if (!isDict(value))
    throw importError({ file, line: null }, 'not a LaunchAgent: the plist is not a dictionary');
  return { dict: value, text: binary ? null : buf.toString('utf8') };
}

export function readLaunchAgent(file: string, bytes: Uint8Array): ImportedService {
  const { dict, text } = parsePlistBytes(file, bytes);
  const lineOf = (key: string): number | null => (text === null ? null : findLine(text, `<key>${key}</key>`));
  const notes: ImportNote[] = [];
  const note = (key: string, message: string) => notes.push({ file, line: lineOf(key), message });
  const label = typeof dict.Label === 'string' ? dict.Label : path.basename(file).replace(/\.plist$/, '');
  const args = dict.ProgramArguments;
  let command: string[];
  if (Array.isArray(args) && args.length > 0 && args.every((a) => typeof a === 'string')) {
    command = args as string[];
    if (typeof dict.Program === 'string') command = [dict.Program, ...command.slice(1)];
  } else if (typeof dict.Program === 'string') command = [dict.Program];
  else
    throw importError(
      { file, line: lineOf('ProgramArguments') },
      'the plist has neither ProgramArguments (a list of strings) nor Program; nothing to run',
    );
  const svc: ImportedService = {
    name: serviceNameOf(label.split('.').pop() ?? label),
    at: { file, line: lineOf('Label') ?? 1 },
    command,
    env: {},
    envFiles: [],
    dependsOn: [],
    notes,
    original: { kind: 'launchd', label, path: file },
    aliases: [label],
  };
  const restart: NonNullable<ImportedService['restart']> = { policy: 'no' };
  for (const [key, v] of Object.entries(dict)) {
    switch (key) {
      case 'Program':
      case 'ProgramArguments':
        break;
      case 'EnvironmentVariables':
        if (!isDict(v)) note(key, 'EnvironmentVariables is not a dictionary; not mapped');
        else
          for (const [k, val] of Object.entries(v)) {
            if (typeof val === 'string') svc.env[k] = { value: val, origin: 'inline' };
            else note(key, `EnvironmentVariables.${k} is not a string; not mapped`);
          }
        break;
      case 'WorkingDirectory':
        if (typeof v === 'string' && v.startsWith('/')) svc.cwd = v;
        else note(key, 'WorkingDirectory is not an absolute path; not mapped');
        break;
      case 'KeepAlive':
        if (v === true) restart.policy = 'always';
        else if (v === false) restart.policy = 'no';
        else if (isDict(v)) {
          for (const [k, c] of Object.entries(v)) {
            if (k === 'SuccessfulExit' && c === false) restart.policy = 'on-failure';
            else if (k === 'Crashed' && c === true) restart.policy = 'on-failure';
            else if (k === 'SuccessfulExit' && c === true) {
              restart.policy = 'always';
              note(
                key,
                'KeepAlive.SuccessfulExit = true (restart only after a clean exit) is imported as restart: always',
              );
            } else
              note(
                key,
                `KeepAlive.${k} (a launchd condition) is not mapped; the service is kept alive by its restart policy only`,
              );
          }
        } else note(key, 'KeepAlive is neither a boolean nor a dictionary; not mapped');
        break;
      case 'ThrottleInterval':
        if (typeof v === 'number' && v >= 0) restart.delaySec = Math.min(3600, v);
        else note(key, 'ThrottleInterval is not a number; not mapped');
        break;
      case 'ExitTimeOut':
        if (typeof v === 'number' && v > 0) svc.stopTimeoutSec = Math.min(3600, Math.ceil(v));
        else note(key, 'ExitTimeOut is not a positive number; not mapped');
        break;
      case 'ProcessType':
        if (typeof v === 'string' && PROCESS_TYPES.has(v)) svc.launchdProcessType = v as 'Standard';
        else note(key, 'ProcessType is not one of Standard, Interactive, Adaptive, Background; not mapped');
        break;
      case 'RunAtLoad':
        if (v === false) note(key, 'RunAtLoad = false: a Vigil service starts when applied and at login');
        break;
      case 'StandardOutPath':
      case 'StandardErrorPath':
        if (!isDict(dict.VigilManaged) && typeof v === 'string')
          note(
            key,
            `${key} ${v}: Vigil writes the service's output to its own log ($VIGIL_HOME/logs/${svc.name}.log) instead`,
          );
        break;
      default:
        if (!QUIET.has(key)) note(key, `${key} is not mapped`);
    }
  }
  svc.restart = restart;
  const run = readLauncherArgv(command);
  if (run && isDict(dict.VigilManaged)) {
    svc.name = run.service;
    svc.command = run.command;
    svc.logs = {
      ...(run.maxBytes ? { maxBytes: run.maxBytes } : {}),
      ...(run.keep !== undefined ? { keep: run.keep } : {}),
    };
    if (run.stopTimeout !== undefined) svc.stopTimeoutSec = run.stopTimeout;
    svc.credentials = run.envFiles.map(credentialSetOfPath).filter((s): s is string => s !== null);
    // Vigil adds PATH (the program's directory and the usual ones) itself.
    delete svc.env.PATH;
    // launchd's ThrottleInterval is restart.delaySec rounded up, at least 1: the renderer's default 1 reads back as 1.
    svc.dependsOn = run.waits.map((w) => ({
      ref: w.service,
      condition: 'healthy' as const,
      at: { file, line: lineOf('ProgramArguments') },
    }));
    svc.waitProbes = run.waits;
    svc.aliases.push(run.service);
    delete svc.original;
  }
  return svc;
}
