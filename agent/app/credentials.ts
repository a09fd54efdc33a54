/**
 * Use cases of the credential store: list (masked), set keys, remove a key, import a .env, write an
 * example. Each write holds the set's lock, is atomic (the store), leaves an audit record and a
 * `credential-changed` event naming keys, never values.
 */
import { VigilError } from '../core/errors.js';
import type { NewEvent } from '../core/events.js';
import {
  keyProblem,
  parseEnv,
  setNameProblem,
  valueProblem,
  type CredentialEntry,
} from '../core/credentials/envfile.js';
import {
  describeSet,
  type CredentialPolicies,
  type CredentialSetInfo,
  type CredentialsDoc,
} from '../core/credentials/model.js';
import { dependencyOrder } from '../core/manifest/deps.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { Actor, AuditAction, CredentialLedger, CredentialStore } from '../ports/credentials.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

/** State key under which `vigil apply` keeps the manifest's top-level `credentials:` map. */
export const CREDENTIAL_POLICIES_KEY = 'credentials.policies';

export interface CredentialDeps {
  store: CredentialStore;
  ledger: CredentialLedger;
  clock: Clock;
  /** Installed services (the database), or [] when there is none. */
  services: () => readonly ServiceSpec[];
  policies: () => CredentialPolicies;
  /** Stores (and, in the agent, publishes) events. */
  record: (events: NewEvent[]) => void;
}

/** services and policies read from the Vigil database (null when there is none yet). */
export function fromDatabase(db: Store | null): Pick<CredentialDeps, 'services' | 'policies'> {
  return {
    services: () => orderedSpecs(db?.listServices().map((r) => r.spec) ?? []),
    policies: () => db?.getState(CREDENTIAL_POLICIES_KEY) ?? {},
  };
}

export function orderedSpecs(specs: ServiceSpec[]): ServiceSpec[] {
  const order = dependencyOrder(specs);
  return 'sorted' in order ? order.sorted : specs;
}

export function requireSetName(set: string): void {
  const p = setNameProblem(set);
  if (p !== null) throw new VigilError('E_USAGE', p);
}

/** Validates new values; throws E_USAGE naming the key (never echoing the value). */
export function checkValues(values: Readonly<Record<string, string>>): void {
  const keys = Object.keys(values);
  if (keys.length === 0) throw new VigilError('E_USAGE', 'no keys given');
  for (const k of keys) {
    const kp = keyProblem(k);
    if (kp !== null) throw new VigilError('E_USAGE', kp);
    const v = values[k];
    if (typeof v !== 'string') throw new VigilError('E_USAGE', `${k}: the value must be a string`);
    const vp = valueProblem(v);
    if (vp !== null) throw new VigilError('E_USAGE', `${k}: ${vp}`);
  }
}

export function listCredentials(deps: CredentialDeps, only?: string): CredentialsDoc {
  if (only !== undefined) requireSetName(only);
  const policies = deps.policies();
  const services = deps.services();
  const names = new Set([...deps.store.listSets(), ...Object.keys(policies)]);
  if (only !== undefined && !names.has(only) && !services.some((s) => s.credentials.includes(only))) {
    throw new VigilError('E_NOT_FOUND', `no credential set "${only}" (none at ${deps.store.pathOf(only)})`);
  }
  const now = deps.clock.now();
  const sets = [...(only === undefined ? names : new Set([only]))]
    .sort()
    .map((set) => setInfo(deps, set, services, policies, now));
  return { dir: deps.store.dir, sets };
}

function setInfo(
  deps: CredentialDeps,
  set: string,
  services: readonly ServiceSpec[],
  policies: CredentialPolicies,
  now: number,
): CredentialSetInfo {
  const file = deps.store.pathOf(set);
  let problem: string | null = null;
  let read = null;
  try {
    read = deps.store.read(set);
    if (read && read.problems.length > 0) {
      problem = `line ${read.problems[0]!.line}: ${read.problems[0]!.message} — fix: correct ${file} by hand or re-import the set`;
    }
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    problem = err.message;
  }
  return describeSet({
    set,
    file,
    entries: read?.entries ?? null,
    fileUpdatedAt: read?.mtimeMs ?? null,
    services,
    policies,
    problem,
    now,
  });
}

/** Reads a set for rewriting: null when new; refuses a file with unreadable lines (they would be lost). */
export function readForWrite(store: CredentialStore, set: string): CredentialEntry[] | null {
  const cur = store.read(set);
  if (cur === null) return null;
  if (cur.problems.length > 0) {
    const p = cur.problems[0]!;
    throw new VigilError(
      'E_CREDENTIAL_UNSAFE',
      `${cur.path}:${p.line}: ${p.message}; Vigil does not rewrite a set it cannot fully read — fix: correct that line by hand`,
    );
  }
  return cur.entries;
}

/** Sets (adds or replaces) keys. `action` is what the audit says: set, or import. */
export function setKeys(
  deps: CredentialDeps,
  set: string,
  values: Readonly<Record<string, string>>,
  actor: Actor,
  action: AuditAction = 'set',
): CredentialSetInfo {
  requireSetName(set);
  checkValues(values);
  return change(deps, set, actor, action, Object.keys(values), (entries, now) => {
    const next = entries.map((e) =>
      Object.hasOwn(values, e.key) ? { key: e.key, value: values[e.key]!, updatedAt: now } : e,
    );
    for (const k of Object.keys(values))
      if (!entries.some((e) => e.key === k)) next.push({ key: k, value: values[k]!, updatedAt: now });
    return next;
  });
}

export function removeKey(deps: CredentialDeps, set: string, key: string, actor: Actor): CredentialSetInfo {
  requireSetName(set);
  const kp = keyProblem(key);
  if (kp !== null) throw new VigilError('E_USAGE', kp);
  return change(deps, set, actor, 'remove', [key], (entries) => {
    if (!entries.some((e) => e.key === key))
      throw new VigilError('E_NOT_FOUND', `credential set "${set}" has no key ${key}`);
    return entries.filter((e) => e.key !== key);
  });
}

/** Imports a .env file's text (dotenv rules): every problem is reported with its line, and nothing is written then. */
export function importEnv(
  deps: CredentialDeps,
  set: string,
  text: string,
  source: string,
  actor: Actor,
): { info: CredentialSetInfo; keys: string[] } {
  const parsed = parseEnv(text, 'dotenv');
  if (parsed.problems.length > 0) {
    throw new VigilError(
      'E_USAGE',
      `cannot import ${source}:\n${parsed.problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}`,
    );
  }
  if (parsed.entries.length === 0) throw new VigilError('E_USAGE', `${source} has no KEY=value lines`);
  const values = Object.fromEntries(parsed.entries.map((e) => [e.key, e.value]));
  return { info: setKeys(deps, set, values, actor, 'import'), keys: Object.keys(values) };
}

/** A `.env.example`: the set's keys with empty values, and where the real values live. */
export function exampleText(deps: CredentialDeps, set: string): string {
  requireSetName(set);
  const cur = deps.store.read(set);
  if (cur === null)
    throw new VigilError('E_NOT_FOUND', `no credential set "${set}" (none at ${deps.store.pathOf(set)})`);
  const lines = [
    `# Keys of the Vigil credential set "${set}". Values are placeholders: set each one with`,
    `#   vigil secrets set ${set} KEY      (reads the value from stdin)`,
    ...cur.entries.map((e) => `${e.key}=`),
  ];
  return `${lines.join('\n')}\n`;
}

function change(
  deps: CredentialDeps,
  set: string,
  actor: Actor,
  action: AuditAction,
  keys: string[],
  edit: (entries: CredentialEntry[], now: number) => CredentialEntry[],
): CredentialSetInfo {
  const lock = deps.ledger.lock(set, actor);
  try {
    const now = deps.clock.now();
    const current = readForWrite(deps.store, set);
    if (current === null && action === 'remove')
      throw new VigilError('E_NOT_FOUND', `no credential set "${set}"`);
    const next = edit(current ?? [], now);
    deps.store.write(set, next);
    const id = globalThis.crypto.randomUUID();
    deps.ledger.begin({ id, startedAt: now, actor, action, set, keys, services: [], outcome: 'done' });
    deps.ledger.finish(id, { outcome: 'done', finishedAt: deps.clock.now() });
    const verb = action === 'remove' ? 'removed from' : action === 'import' ? 'imported into' : 'set in';
    deps.record([
      {
        key: `credential-changed:${id}`,
        at: now,
        service: null,
        type: 'credential-changed',
        severity: 'info',
        message: `${keys.join(', ')} ${verb} credential set "${set}" (by ${actor}); services load it at their next restart`,
        data: { set, keys, action, actor },
      },
    ]);
  } finally {
    lock.release();
  }
  return listCredentials(deps, set).sets[0]!;
}
