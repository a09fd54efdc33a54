/**
 * Manifest parsing: YAML text → validated, normalized Manifest, or a ManifestError listing every
 * problem with file, line and key path. Pure: the caller reads the file and injects `which`.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import path from 'node:path/posix';
import { ManifestError, type ManifestProblem } from '../errors.js';
import type { LoadedManifest, ManifestWarning, ServiceSpec } from './model.js';
import { manifestSchema, RESERVED_NAMES, SERVICE_NAME_RE, type RawService } from './schema.js';
import { dependencyOrder } from './deps.js';

export interface ParseOptions {
  /** Absolute path of the manifest (messages, and the base for relative cwd / command paths). */
  file: string;
  /** Resolves a bare program name ("python3") through PATH; null when not found. */
  which?: (program: string) => string | null;
}

const SECRETISH_RE = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

type Loc = { line: number | null; column: number | null };

export function parseManifest(text: string, opts: ParseOptions): LoadedManifest {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const locate = locator(doc, lc);
  if (doc.errors.length > 0) {
    throw new ManifestError(
      'E_MANIFEST_YAML',
      doc.errors.map((e) => ({
        file: opts.file,
        line: e.linePos?.[0].line ?? null,
        column: e.linePos?.[0].col ?? null,
        path: '',
        message: `invalid YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    throw new ManifestError('E_MANIFEST_INVALID', [
      { file: opts.file, line: 1, column: 1, path: '', message: 'the manifest is empty; expected a "services:" map' },
    ]);
  }
  const parsed = manifestSchema.safeParse(data);
  const problems: ManifestProblem[] = [];
  if (!parsed.success) problems.push(...zodProblems(parsed.error, opts.file, locate));
  const raw = parsed.success ? parsed.data : undefined;
  const services: ServiceSpec[] = [];
  const warnings: ManifestWarning[] = [];
  const baseDir = path.dirname(opts.file);
  const names = new Set(Object.keys(raw?.services ?? {}));

  for (const [name, svc] of Object.entries(raw?.services ?? {})) {
    const at = (p: (string | number)[], message: string) =>
      problems.push({ file: opts.file, ...locate(['services', name, ...p]), path: dotted(['services', name, ...p]), message });
    if (!SERVICE_NAME_RE.test(name)) at([], 'service name must match [a-z0-9][a-z0-9-]{0,47}');
    else if (RESERVED_NAMES.has(name)) at([], `"${name}" is reserved for Vigil's own unit; choose another name`);
    svc.dependsOn.forEach((dep, i) => {
      if (dep === name) at(['dependsOn', i], 'a service cannot depend on itself');
      else if (!names.has(dep)) at(['dependsOn', i], `unknown service "${dep}"`);
    });
    const spec = normalize(name, svc, baseDir, opts.which, (p, m) => at(p, m));
    if (spec) services.push(spec);
    for (const key of Object.keys(svc.env)) {
      if (SECRETISH_RE.test(key)) {
        warnings.push({
          file: opts.file,
          line: locate(['services', name, 'env', key]).line,
          path: dotted(['services', name, 'env', key]),
          message: `looks like a secret; keep it in the credential store (vigil secrets set ${name} ${key}), not in env`,
        });
      }
    }
  }
  if (problems.length > 0) throw new ManifestError('E_MANIFEST_INVALID', sortProblems(problems));
  const order = dependencyOrder(services);
  if ('cycle' in order) {
    const first = order.cycle[0] ?? '';
    throw new ManifestError('E_MANIFEST_INVALID', [
      {
        file: opts.file,
        ...locate(['services', first, 'dependsOn']),
        path: dotted(['services', first, 'dependsOn']),
        message: `dependency cycle: ${order.cycle.join(' → ')}`,
      },
    ]);
  }
  return { manifest: { file: opts.file, version: 1, services: order.sorted }, warnings };
}

function normalize(
  name: string,
  svc: RawService,
  baseDir: string,
  which: ParseOptions['which'],
  problem: (p: (string | number)[], message: string) => void,
): ServiceSpec | null {
  const cwd = svc.cwd === undefined ? undefined : path.resolve(baseDir, svc.cwd);
  const program = svc.command[0] ?? '';
  let resolved: string | null = program;
  if (!program.includes('/')) {
    resolved = which ? which(program) : null;
    if (resolved === null) problem(['command', 0], `program "${program}" not found on PATH; give an absolute path`);
  } else if (!path.isAbsolute(program)) {
    resolved = path.resolve(cwd ?? baseDir, program);
  }
  if (resolved === null) return null;
  return {
    name,
    description: svc.description,
    command: [resolved, ...svc.command.slice(1)],
    cwd,
    env: svc.env,
    credentials: svc.credentials ?? [name],
    dependsOn: svc.dependsOn,
    restart: svc.restart,
    health: svc.health,
    metrics: svc.metrics,
    limits: { memoryBytes: svc.limits.memory, cpuPercent: svc.limits.cpu },
  };
}

function zodProblems(error: z.ZodError, file: string, locate: (p: PropertyKey[]) => Loc): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const p = [...issue.path, key];
        out.push({ file, ...locate(p), path: dotted(p), message: 'unknown key' });
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push({ file, ...locate(issue.path), path: dotted(issue.path), message: 'is required' });
    } else {
      out.push({ file, ...locate(issue.path), path: dotted(issue.path), message: issue.message });
    }
  }
  return out;
}

/** Maps a key path to the line/column of its key in the YAML source (or of its nearest ancestor). */
function locator(doc: Document, lc: LineCounter): (p: PropertyKey[]) => Loc {
  return (p) => {
    for (let n = p.length; n >= 0; n--) {
      const offset = keyOffset(doc, p.slice(0, n));
      if (offset !== null) {
        const pos = lc.linePos(offset);
        return { line: pos.line, column: pos.col };
      }
    }
    return { line: null, column: null };
  };
}

function keyOffset(doc: Document, p: PropertyKey[]): number | null {
  if (p.length === 0) return doc.contents?.range?.[0] ?? null;
  const parent = p.length === 1 ? doc.contents : doc.getIn(p.slice(0, -1) as unknown[], true);
  const last = p[p.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(last));
    if (pair && isScalar(pair.key)) return pair.key.range?.[0] ?? null;
    return null;
  }
  const node = doc.getIn(p as unknown[], true) as { range?: [number, number, number] } | undefined;
  return node?.range?.[0] ?? null;
}

function dotted(p: readonly PropertyKey[]): string {
  return p.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[');
}

function sortProblems(problems: ManifestProblem[]): ManifestProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
