/**
 * `vigil secrets set|list|rm|import|example|rotate|audit`: the credential store from the command line.
 * Values come from stdin (hidden on a terminal), never from argv; output shows them masked.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_FAILED, EXIT_OK, VigilError } from '../../core/errors.js';
import type { CredentialSetInfo, CredentialsDoc } from '../../core/credentials/model.js';
import type { AuditRecord } from '../../ports/credentials.js';
import {
  exampleText,
  importEnv,
  listCredentials,
  removeKey,
  requireSetName,
  setKeys,
} from '../../app/credentials.js';
import { agentClient, NO_AGENT, readViaAgent } from '../remote.js';
import { int, JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';
import { ago, table } from '../format.js';
import { readSecretValue } from '../secret-input.js';
import { requireUtf8 } from '../../core/utf8.js';
import { directCredentials, setAndKey, type DirectCredentials } from '../secrets-deps.js';
import { rotateCommand } from './secrets-rotate.js';
import { vigilPaths } from '../../core/paths.js';
import { assertPrivateHome } from '../../adapters/fs/private-home.js';

const USAGE = `usage: vigil secrets <command>
  set <set> <KEY>                 value from stdin (hidden on a terminal); never pass it as an argument
  list [<set>]                    keys, values masked to their last 4 characters, age, services
  rm <set> <KEY>
  import <set> FILE|-             the KEY=value lines of an existing .env
  example <set> [-o FILE] [--force]   a .env.example with the keys and empty values (default ./.env.example)
  rotate <set> <KEY> [--timeout SEC] [--stable SEC]   new value from stdin; restart, health-check, roll back on failure
  audit [<set>] [-n N]            who changed what, when (never values)
Add --json for one JSON document.`;

export async function secretsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'set':
      return setCommand(rest, io);
    case 'list':
    case 'ls':
      return listCommand(rest, io);
    case 'rm':
    case 'remove':
      return rmCommand(rest, io);
    case 'import':
      return importCommand(rest, io);
    case 'example':
      return exampleCommand(rest, io);
    case 'rotate':
      return rotateCommand(rest, io);
    case 'audit':
      return auditCommand(rest, io);
    default:
      throw new VigilError(
        'E_USAGE',
        sub === undefined ? USAGE : `unknown secrets command "${sub}"\n${USAGE}`,
      );
  }
}

async function setCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets set <set> <KEY> [--json]';
  const { values, positionals } = parse(argv, { ...JSON_FLAG }, usage);
  const [set, key] = setAndKey(positionals, usage);
  // Before the value is typed: a VIGIL_HOME others can write is refused (E_HOME_UNSAFE), the secret unasked.
  assertPrivateHome(vigilPaths(io.env));
  const value = await readSecretValue(io, `Value for ${set}/${key} (input hidden): `);
  const client = await agentClient(io);
  let info: CredentialSetInfo;
  if (client) info = await client.call('credentialSet', { set, key }, undefined, { value, actor: 'cli' });
  else info = await withDirect(io, true, (d) => setKeys(d, set, { [key]: value }, 'cli'));
  if (values.json) printJson(io, info);
  else
    io.out(
      `set ${set}/${key} (${info.keys.find((k) => k.key === key)?.masked ?? '••••'}) in ${info.file}\n${restartHint(info, key)}`,
    );
  return EXIT_OK;
}

async function rmCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets rm <set> <KEY> [--json]';
  const { values, positionals } = parse(argv, { ...JSON_FLAG }, usage);
  const [set, key] = setAndKey(positionals, usage);
  const client = await agentClient(io);
  const info = client
    ? await client.call('credentialRemove', { set, key }, undefined, { actor: 'cli' })
    : await withDirect(io, true, (d) => removeKey(d, set, key, 'cli'));
  if (values.json) printJson(io, info);
  else
    io.out(
      `removed ${set}/${key} from ${info.file}\n${info.services.length ? `${info.services.join(', ')} still have it until they restart\n` : ''}`,
    );
  return EXIT_OK;
}

async function importCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets import <set> FILE|- [--json]';
  const { values, positionals } = parse(argv, { ...JSON_FLAG }, usage);
  const [set, file, ...extra] = positionals;
  if (!set || !file || extra.length > 0) throw new VigilError('E_USAGE', `usage: ${usage}`);
  requireSetName(set);
  let text: string;
  let looseMode: string | null = null;
  if (file === '-') text = await readStdin(io);
  else {
    const abs = path.resolve(io.cwd, file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
      const mode = statSync(abs).mode & 0o777;
      if ((mode & 0o077) !== 0)
        looseMode = `${abs} is readable by others (mode ${mode.toString(8)}); now that its values are in the store, consider deleting it`;
    } catch (err) {
      throw new VigilError('E_USAGE', `cannot read ${abs}: ${(err as Error).message}`);
    }
    text = requireUtf8(bytes, abs);
  }
  const r = await withDirect(io, true, (d) => importEnv(d, set, text, file === '-' ? 'stdin' : file, 'cli'));
  if (values.json) printJson(io, { ...r.info, imported: r.keys });
  else io.out(`imported ${r.keys.length} key(s) into ${set}: ${r.keys.join(', ')}\n${restartHint(r.info)}`);
  if (looseMode) io.err(`warning: ${looseMode}\n`);
  return EXIT_OK;
}

async function exampleCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets example <set> [-o FILE|-] [--force] [--json]';
  const { values, positionals } = parse(
    argv,
    { out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, ...JSON_FLAG },
    usage,
  );
  const [set, ...extra] = positionals;
  if (!set || extra.length > 0) throw new VigilError('E_USAGE', `usage: ${usage}`);
  const text = await withDirect(io, false, (d) => exampleText(d, set));
  const out = str(values.out) ?? '.env.example';
  if (out === '-') {
    if (values.json)
      throw new VigilError('E_USAGE', '-o - prints the file itself; it does not combine with --json');
    io.out(text);
    return EXIT_OK;
  }
  const abs = path.resolve(io.cwd, out);
  try {
    writeFileSync(abs, text, { flag: values.force ? 'w' : 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new VigilError('E_USAGE', `${abs} exists; pass --force to overwrite it`);
    throw new VigilError('E_IO', `cannot write ${abs}: ${(err as Error).message}`);
  }
  if (values.json) printJson(io, { set, file: abs });
  else io.out(`wrote ${abs} (keys of "${set}", empty values)\n`);
  return EXIT_OK;
}

async function listCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets list [<set>] [--json]';
  const { values, positionals } = parse(argv, { ...JSON_FLAG }, usage);
  if (positionals.length > 1) throw new VigilError('E_USAGE', `usage: ${usage}`);
  const doc: CredentialsDoc = await withDirect(io, false, (d) => listCredentials(d, positionals[0]));
  const problems = doc.sets.filter((s) => s.problem !== null);
  if (values.json) printJson(io, doc);
  else io.out(`${listTable(doc)}\n`);
  for (const s of problems) io.err(`vigil: ${s.problem}\n`);
  return problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

async function auditCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets audit [<set>] [-n N] [--json]';
  const { values, positionals } = parse(argv, { lines: { type: 'string', short: 'n' }, ...JSON_FLAG }, usage);
  if (positionals.length > 1) throw new VigilError('E_USAGE', `usage: ${usage}`);
  const set = positionals[0];
  if (set !== undefined) requireSetName(set);
  const q = { ...(set === undefined ? {} : { set }), limit: int(values.lines, '-n', 1) ?? 20 };
  const viaAgent = await readViaAgent(io, (c) => c.call('credentialAudit', {}, q));
  const records: AuditRecord[] =
    viaAgent !== NO_AGENT ? viaAgent.records : await withDirect(io, false, (d) => d.ledger.list(q));
  if (values.json) printJson(io, { records });
  else if (records.length === 0) io.out('No changes recorded.\n');
  else {
    const rows = [['WHEN', 'WHO', 'ACTION', 'SET', 'KEYS', 'OUTCOME', 'SERVICES', 'DETAIL']];
    for (const r of records) {
      rows.push([
        new Date(r.startedAt).toISOString(),
        r.actor,
        r.action,
        r.set,
        r.keys.join(','),
        r.outcome,
        r.services.join(',') || '-',
        r.failedService ? `${r.failedService}: ${r.reason ?? ''}` : (r.reason ?? ''),
      ]);
    }
    io.out(`${table(rows)}\n`);
  }
  return EXIT_OK;
}

function listTable(doc: CredentialsDoc): string {
  if (doc.sets.length === 0)
    return `No credential sets in ${doc.dir}. Add one: vigil secrets set <set> <KEY>`;
  const now = Date.now();
  const rows = [['SET', 'KEY', 'VALUE', 'UPDATED', 'AGE', 'ROTATE', 'SERVICES']];
  for (const s of doc.sets) {
    const rotate = s.rotateAfterDays === null ? '-' : `${s.rotateAfterDays}d`;
    const services = s.services.join(', ') || '-';
    if (s.keys.length === 0) {
      rows.push([
        s.set,
        s.problem ? '(unreadable)' : s.exists ? '(empty)' : '(no file)',
        '',
        '',
        '',
        rotate,
        services,
      ]);
      continue;
    }
    for (const k of s.keys) {
      rows.push([
        s.set,
        k.key,
        k.masked,
        k.updatedAt ?? '-',
        ago(k.updatedAt, now),
        k.overdue ? `${rotate} OVERDUE` : rotate,
        services,
      ]);
    }
  }
  return table(rows);
}

function restartHint(info: CredentialSetInfo, key?: string): string {
  if (info.services.length === 0) return '';
  const rotate = key
    ? `; next time, vigil secrets rotate ${info.set} ${key} restarts them for you with health checks and rollback`
    : '';
  return `${info.services.join(', ')} load "${info.set}": they see the change at their next restart (vigil restart ${info.services.join(' ')})${rotate}\n`;
}

async function withDirect<T>(io: Io, write: boolean, fn: (d: DirectCredentials['deps']) => T): Promise<T> {
  if (write) assertPrivateHome(vigilPaths(io.env));
  const direct = await directCredentials(io, write);
  try {
    return fn(direct.deps);
  } finally {
    direct.close();
  }
}

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return requireUtf8(Buffer.concat(chunks), 'stdin');
}
