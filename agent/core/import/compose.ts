/**
 * A docker-compose file → one ImportedService per service. Pure: the caller reads the file and later its
 * env_file files. Lines come from the yaml package's LineCounter. A compose service runs in a container;
 * what Vigil runs is its command on this machine, so `image`, `build`, ports, volumes and networks are
 * notes, and a service without command/entrypoint runs its image with `docker run`.
 */
import path from 'node:path/posix';
import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { importError, type ImportedService, type ImportNote, type SourceAt } from './model.js';
import { parseSizeBytes, parseSpanSec, serviceNameOf, splitShell } from './words.js';

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

type Note = (p: (string | number)[], message: string) => void;

function readEnvironment(v: unknown, svc: ImportedService, note: Note): void {
  if (v === undefined || v === null) return;
  const entries: [string, unknown, (string | number)[]][] = Array.isArray(v)
    ? v.map((e, i) => {
        const s = String(e);
        const eq = s.indexOf('=');
        return eq < 0
          ? [s, undefined, ['environment', i]]
          : [s.slice(0, eq), s.slice(eq + 1), ['environment', i]];
      })
    : isObj(v)
      ? Object.entries(v).map(([k, val]) => [k, val, ['environment', k]])
      : [];
  for (const [k, val, p] of entries) {
    if (val === undefined || val === null)
      note(
        p,
        `${k} takes its value from the shell that runs docker compose; not mapped (set it in env: or the credential store)`,
      );
    else svc.env[k] = { value: String(val), origin: 'inline' };
  }
}

function readHealthcheck(v: unknown, svc: ImportedService, note: Note): void {
  if (!isObj(v) || v.disable === true) return;
  const test = v.test;
  let exec: string[] | null = null;
  if (Array.isArray(test) && test[0] === 'CMD') exec = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') exec = ['/bin/sh', '-c', String(test[1] ?? '')];
  else if (typeof test === 'string') exec = ['/bin/sh', '-c', test];
  else if (Array.isArray(test) && test[0] === 'NONE') return;
  if (exec === null || exec.length === 0) {
    note(['healthcheck', 'test'], 'healthcheck.test could not be read; not mapped');
    return;
  }
  svc.health = { exec };
  for (const [k, field] of [
    ['interval', 'intervalSec'],
    ['timeout', 'timeoutSec'],
  ] as const) {
    if (v[k] === undefined) continue;
    const sec = parseSpanSec(String(v[k]));
    if (sec === null || sec <= 0) note(['healthcheck', k], `healthcheck.${k} could not be read; not mapped`);
    else svc.health[field] = sec;
  }
  for (const k of ['retries', 'start_period', 'start_interval'])
    if (v[k] !== undefined)
      note(
        ['healthcheck', k],
        `healthcheck.${k} is not mapped (Vigil counts a service healthy after health.stableSec of passing probes)`,
      );
}

function readDepends(
  v: unknown,
  svc: ImportedService,
  at: (...p: (string | number)[]) => SourceAt,
  note: Note,
): void {
  if (Array.isArray(v)) {
    v.forEach((d, i) =>
      svc.dependsOn.push({ ref: String(d), condition: 'started', at: at('depends_on', i) }),
    );
  } else if (isObj(v)) {
    for (const [d, c] of Object.entries(v)) {
      const cond = isObj(c) ? c.condition : undefined;
      if (cond === 'service_completed_successfully')
        note(
          ['depends_on', d],
          `${d}: service_completed_successfully (a one-shot job) is imported as started`,
        );
      svc.dependsOn.push({
        ref: d,
        condition: cond === 'service_healthy' ? 'healthy' : 'started',
        at: at('depends_on', d),
      });
    }
  }
}

function readRestart(v: unknown, svc: ImportedService, note: Note): void {
  if (v === undefined) {
    svc.restart = { policy: 'no' };
    return;
  }
  const s = String(v);
  if (s === 'always' || s === 'unless-stopped') svc.restart = { policy: 'always' };
  else if (s === 'no') svc.restart = { policy: 'no' };
  else if (/^on-failure(:\d+)?$/.test(s)) {
    svc.restart = { policy: 'on-failure' };
    if (s.includes(':'))
      note(
        ['restart'],
        `${s}: the retry count is not mapped (restart.burst limits restarts per restart.intervalSec)`,
      );
  } else note(['restart'], `restart: ${s} could not be read; not mapped`);
}

function readLimits(raw: Obj, svc: ImportedService, note: Note): void {
  const deploy = isObj(raw.deploy) ? raw.deploy : {};
  const res = isObj(deploy.resources) ? deploy.resources : {};
  const lim = isObj(res.limits) ? res.limits : {};
  const mem = lim.memory ?? raw.mem_limit;
  const memPath = lim.memory !== undefined ? ['deploy', 'resources', 'limits', 'memory'] : ['mem_limit'];
  if (mem !== undefined) {
    const b = parseSizeBytes(typeof mem === 'number' ? mem : String(mem));
    if (b === null) note(memPath, `memory limit ${String(mem)} could not be read; not mapped`);
    else (svc.limits ??= {}).memoryBytes = b;
  }
  const cpus = lim.cpus ?? raw.cpus;
  if (cpus !== undefined) {
    const n = Number(cpus);
    if (!(n > 0))
      note(
        lim.cpus !== undefined ? ['deploy', 'resources', 'limits', 'cpus'] : ['cpus'],
        `cpus ${String(cpus)} could not be read; not mapped`,
      );
    else (svc.limits ??= {}).cpuPercent = Math.round(n * 100 * 100) / 100;
  }
  for (const k of Object.keys(deploy))
    if (k !== 'resources') note(['deploy', k], `deploy.${k} is not mapped`);
  for (const k of Object.keys(lim))
    if (k !== 'memory' && k !== 'cpus')
      note(['deploy', 'resources', 'limits', k], `deploy.resources.limits.${k} is not mapped`);
  if (res.reservations !== undefined)
    note(['deploy', 'resources', 'reservations'], 'deploy.resources.reservations is not mapped');
}

function readLogging(v: unknown, svc: ImportedService, note: Note): void {
  if (!isObj(v)) return;
  const opts = isObj(v.options) ? v.options : {};
  if (opts['max-size'] !== undefined) {
    const b = parseSizeBytes(String(opts['max-size']));
    if (b === null || b < 1024)
      note(
        ['logging', 'options', 'max-size'],
        `max-size ${String(opts['max-size'])} could not be read (at least 1K); not mapped`,
      );
    else (svc.logs ??= {}).maxBytes = b;
  }
  if (opts['max-file'] !== undefined) {
    const n = Number(opts['max-file']);
    // Docker counts the current file; Vigil's keep counts the rotated ones.
    if (!Number.isInteger(n) || n < 1)
      note(['logging', 'options', 'max-file'], 'max-file could not be read; not mapped');
    else (svc.logs ??= {}).keep = Math.min(1000, n - 1);
  }
  if (v.driver !== undefined && v.driver !== 'json-file' && v.driver !== 'local')
    note(
      ['logging', 'driver'],
      `logging.driver ${String(v.driver)} is not mapped: Vigil writes the log itself`,
    );
}
