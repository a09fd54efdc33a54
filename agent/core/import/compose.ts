/**
 * A docker-compose file → one ImportedService per service. Pure: the caller reads the file and later its
 * env_file files. Lines come from the yaml package's LineCounter. A compose service runs in a container;
 * what Vigil runs is its command on this machine, so `image`, `build`, ports, volumes and networks are
 * notes, and a service without command/entrypoint runs its image with `docker run`.
 */
import path from 'node:path/posix';
import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { importError, type ImportedService, type ImportNote, type SourceAt } from './model.js';
import { parseSpanSec, serviceNameOf, splitShell } from './words.js';
import {
  readDepends,
  readEnvironment,
  readHealthcheck,
  readLimits,
  readLogging,
  readRestart,
} from './compose-keys.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const HANDLED = new Set([
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'working_dir',
  'healthcheck',
  'depends_on',
  'restart',
  'deploy',
  'logging',
  'stop_grace_period',
  'mem_limit',
  'cpus',
  'image',
  'container_name',
]);

export function readCompose(file: string, text: string): ImportedService[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    throw importError({ file, line }, `YAML error: ${e.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (!isObj(data) || !isObj(data.services))
    throw importError({ file, line: 1 }, 'not a compose file: it has no "services:" map');
  const lineOf = (p: (string | number)[]): number | null => locate(doc, lc, p);
  const baseDir = path.dirname(file);
  return Object.entries(data.services).map(([key, raw]) => {
    const at = (...p: (string | number)[]): SourceAt => ({ file, line: lineOf(['services', key, ...p]) });
    if (!isObj(raw)) throw importError(at(), `service "${key}" is not a map`);
    const notes: ImportNote[] = [];
    const note = (p: (string | number)[], message: string) => notes.push({ ...at(...p), message });
    const svc: ImportedService = {
      name: serviceNameOf(key),
      at: at(),
      command: [],
      env: {},
      envFiles: [],
      dependsOn: [],
      notes,
      aliases: [key],
    };
    const words = (v: unknown, p: string): string[] => {
      if (v === undefined || v === null) return [];
      if (Array.isArray(v)) return v.map(String);
      const s = splitShell(String(v));
      if (s.error) throw importError(at(p), `${p}: ${s.error}`);
      return s.words;
    };
    svc.command = [...words(raw.entrypoint, 'entrypoint'), ...words(raw.command, 'command')];
    if (svc.command.length === 0) {
      if (typeof raw.image !== 'string')
        throw importError(at(), `service "${key}" has neither command, entrypoint nor image; nothing to run`);
      svc.command = ['docker', 'run', '--rm', '--name', `vigil-import-${svc.name}`, raw.image];
      note(
        ['image'],
        `no command: it runs the image ${raw.image} with docker run (no ports, volumes or networks); write the host command instead to run it without a container`,
      );
    } else if (typeof raw.image === 'string')
      note(
        ['image'],
        `the image ${raw.image} is not used: Vigil runs the command on this machine, so it must exist here`,
      );
    readEnvironment(raw.environment, svc, note);
    for (const [i, f] of (Array.isArray(raw.env_file)
      ? raw.env_file
      : raw.env_file === undefined
        ? []
        : [raw.env_file]
    ).entries()) {
      const p = typeof f === 'string' ? f : isObj(f) && typeof f.path === 'string' ? f.path : null;
      const where = Array.isArray(raw.env_file) ? ['env_file', i] : ['env_file'];
      if (p === null) {
        note(where, 'env_file entry is neither a path nor {path, required}; not mapped');
        continue;
      }
      svc.envFiles.push({
        ...at(...where),
        path: path.resolve(baseDir, p),
        optional: isObj(f) && f.required === false,
        dialect: 'dotenv',
      });
    }
    if (typeof raw.working_dir === 'string') svc.cwd = path.resolve(baseDir, raw.working_dir);
    readHealthcheck(raw.healthcheck, svc, note);
    readDepends(raw.depends_on, svc, at, note);
    readRestart(raw.restart, svc, note);
    readLimits(raw, svc, note);
    readLogging(raw.logging, svc, note);
    if (raw.stop_grace_period !== undefined) {
      const sec = parseSpanSec(String(raw.stop_grace_period));
      if (sec === null) note(['stop_grace_period'], 'stop_grace_period could not be read; not mapped');
      else svc.stopTimeoutSec = Math.min(3600, Math.max(1, Math.ceil(sec)));
    }
    for (const k of Object.keys(raw)) if (!HANDLED.has(k)) note([k], `${k} is not mapped`);
    return svc;
  });
}

function locate(doc: Document, lc: LineCounter, p: (string | number)[]): number | null {
  for (let n = p.length; n >= 0; n--) {
    const parent = n === 0 ? doc.contents : doc.getIn(p.slice(0, n - 1), true);
    if (n > 0 && isMap(parent)) {
      const pair = parent.items.find(
        (it) => isNode(it.key) && String((it.key as { value?: unknown }).value) === String(p[n - 1]),
      );
      const r = pair && isNode(pair.key) ? pair.key.range : undefined;
      if (r) return lc.linePos(r[0]).line;
    }
    const node = doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return null;
}
