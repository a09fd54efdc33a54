/**
 * Puts the imported services together into one manifest document: unique names, dependencies resolved
 * across every file (by unit name, label, compose or PM2 name), env files merged in, secrets split off
 * into credential sets (one per service, named after it). Pure: the env files' texts are given.
 */
import { parseEnv } from '../credentials/envfile.js';
import { SERVICE_NAME_RE } from '../manifest/names.js';
import {
  importError,
  type ImportedHealth,
  type ImportedService,
  type ImportNote,
  type Original,
} from './model.js';
import { isSecret } from './secrets.js';
import { formatBytes } from '../manifest/units.js';

/** A service as the manifest will say it (keys as in vigil.yaml). */
export interface ManifestService {
  name: string;
  notes: ImportNote[];
  source: string;
  body: Record<string, unknown>;
}

export interface Assembled {
  services: ManifestService[];
  /** set → KEY → value, for the credential store. */
  secrets: Map<string, Record<string, string>>;
  originals: { service: string; original: Original }[];
}

export interface AssembleOptions {
  /** Every env value goes to the credential store (--all-env-to-credentials). */
  allEnvToCredentials: boolean;
  /** Env file path → its text, or null when it does not exist (the CLI read them). */
  envFiles: ReadonlyMap<string, string | null>;
}

export function assemble(imported: ImportedService[], opts: AssembleOptions): Assembled {
  const taken = new Set<string>();
  for (const s of imported) {
    let name = s.name;
    for (let n = 2; taken.has(name); n++) name = `${s.name.slice(0, 44)}-${n}`;
    if (!SERVICE_NAME_RE.test(name))
      throw importError(s.at, `cannot derive a service name from ${JSON.stringify(s.name)}`);
    taken.add(name);
    s.name = name;
  }
  const byAlias = new Map<string, ImportedService>();
  for (const s of imported) for (const a of [...s.aliases, s.name]) if (!byAlias.has(a)) byAlias.set(a, s);
  // Vigil's own units carry the probes of their healthy dependencies: those are the dependencies' health.
  for (const s of imported)
    for (const w of s.waitProbes ?? []) {
      const dep = byAlias.get(w.service);
      if (dep && !dep.health) dep.health = w.probe;
    }
  const secrets = new Map<string, Record<string, string>>();
  const originals: Assembled['originals'] = [];
  const services = imported.map((s) => {
    if (s.original) originals.push({ service: s.name, original: s.original });
    const notes = [...s.notes];
    const env: Record<string, string> = {};
    const secret: Record<string, string> = {};
    const put = (key: string, value: string, origin: 'file' | 'inline') => {
      if (isSecret(key, value, opts.allEnvToCredentials)) {
        secret[key] = value;
        delete env[key];
      } else if (origin === 'file' || !Object.hasOwn(secret, key)) env[key] = value;
    };
    // Env files first: systemd and compose let the unit's own Environment= / environment: win.
    for (const f of s.envFiles) {
      const text = opts.envFiles.get(f.path);
      if (text === null || text === undefined) {
        if (f.optional)
          notes.push({
            file: f.file,
            line: f.line,
            message: `env file ${f.path} does not exist (optional); nothing imported from it`,
          });
        else throw importError(f, `env file ${f.path} does not exist`);
        continue;
      }
      const parsed = parseEnv(text, f.dialect);
      if (parsed.problems.length > 0) {
        const p = parsed.problems[0]!;
        throw importError({ file: f.path, line: p.line }, p.message);
      }
      for (const e of parsed.entries) put(e.key, e.value, 'file');
    }
    for (const [k, v] of Object.entries(s.env)) put(k, v.value, v.origin);
    const credentials = [...(s.credentials ?? [])];
    if (Object.keys(secret).length > 0) {
      secrets.set(s.name, secret);
      if (!credentials.includes(s.name)) credentials.push(s.name);
    }
    const deps: Record<string, 'started' | 'healthy'> = {};
    for (const d of s.dependsOn) {
      const target = byAlias.get(d.ref) ?? byAlias.get(d.ref.replace(/\.service$/, ''));
      if (!target || target === s) {
        notes.push({
          ...d.at,
          message: `depends on ${d.ref}, which is not among the imported files; not mapped`,
        });
        continue;
      }
      let cond = d.condition;
      if (cond === 'healthy' && !target.health) {
        notes.push({
          ...d.at,
          message: `waits for ${d.ref} to be healthy, but it has no health check; imported as started`,
        });
        cond = 'started';
      }
      if (deps[target.name] !== 'healthy') deps[target.name] = cond;
    }
    const body: Record<string, unknown> = {
      ...(s.description ? { description: s.description } : {}),
      command: s.command,
      ...(s.cwd ? { cwd: s.cwd } : {}),
      ...(Object.keys(env).length > 0 ? { env: sortKeys(env) } : {}),
      ...(credentials.length > 0 ? { credentials } : {}),
      ...(Object.keys(deps).length > 0
        ? { dependsOn: Object.values(deps).every((c) => c === 'started') ? Object.keys(deps) : deps }
        : {}),
      ...(s.restart ? { restart: clean(s.restart) } : {}),
      ...(s.health ? { health: healthBody(s.health) } : {}),
      ...(s.limits && (s.limits.memoryBytes !== undefined || s.limits.cpuPercent !== undefined)
        ? {
            limits: clean({
              memory: s.limits.memoryBytes === undefined ? undefined : formatBytes(s.limits.memoryBytes),
              cpu: s.limits.cpuPercent === undefined ? undefined : `${s.limits.cpuPercent}%`,
            }),
          }
        : {}),
      ...(s.stopTimeoutSec !== undefined ? { stopTimeoutSec: s.stopTimeoutSec } : {}),
      ...(s.logs && Object.keys(s.logs).length > 0 ? { logs: clean(s.logs) } : {}),
      ...(s.launchdProcessType ? { launchd: { processType: s.launchdProcessType } } : {}),
    };
    return {
      name: s.name,
      notes,
      source: s.at.line === null ? s.at.file : `${s.at.file}:${s.at.line}`,
      body,
    };
  });
  return { services, secrets, originals };
}

function healthBody(h: ImportedHealth): Record<string, unknown> {
  return clean({
    url: h.url,
    tcp: h.tcp,
    exec: h.exec,
    intervalSec: h.intervalSec,
    timeoutSec: h.timeoutSec,
  });
}

function clean<T extends object>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );
}
