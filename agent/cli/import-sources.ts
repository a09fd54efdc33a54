/**
 * Reads what `vigil import` is given: each file (named in errors when it cannot be), its format, the env
 * files it names, and — only with --allow-js — a PM2 .js/.cjs ecosystem file evaluated in a child Node
 * process (the one ProcessRunner), whose JSON output is read back. Mapping itself is in core/import.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importError, type ImportedService } from '../core/import/model.js';
import { detectFormat } from '../core/import/detect.js';
import { readSystemdUnit } from '../core/import/systemd.js';
import { readCompose } from '../core/import/compose.js';
import { readEcosystem } from '../core/import/pm2.js';
import { requireUtf8 } from '../core/utf8.js';
import type { ProcessRunner } from '../ports/process-runner.js';

const MAX_BYTES = 1024 * 1024;

function readBytes(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw importError(
      { file, line: null },
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : `cannot be read: ${(err as Error).message}`,
    );
  }
  if (bytes.length > MAX_BYTES)
    throw importError({ file, line: null }, `is ${bytes.length} bytes; at most 1 MiB is imported`);
  return bytes;
}

/** The child that evaluates an ecosystem .js/.cjs: require() it and print its export as JSON. */
const EVAL_JS =
  'const m=require(process.argv[1]);Promise.resolve(typeof m==="function"?m():m).then(v=>process.stdout.write(JSON.stringify(v)))';

export async function readSources(
  files: readonly string[],
  opts: { allowJs: boolean; runner: ProcessRunner; env: NodeJS.ProcessEnv },
): Promise<ImportedService[]> {
  const out: ImportedService[] = [];
  for (const file of files) {
    const bytes = readBytes(file);
    const format = detectFormat(file, bytes.subarray(0, 4096).toString('latin1'));
    if (format === 'launchd') {
      // The plist library comes in only for plists (the lazy-loading rule).
      const { readLaunchAgent } = await import('../core/import/plist.js');
      out.push(readLaunchAgent(file, bytes));
      continue;
    }
    const text = requireUtf8(bytes, file);
    if (format === 'systemd')
      out.push(readSystemdUnit(file, text, opts.env.HOME ? { home: opts.env.HOME } : {}));
    else if (format === 'compose') out.push(...readCompose(file, text));
    else if (format === 'pm2') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        const pos = /position (\d+)/.exec((err as Error).message)?.[1];
        const line = pos === undefined ? null : text.slice(0, Number(pos)).split('\n').length;
        throw importError({ file, line }, `not JSON: ${(err as Error).message}`);
      }
      out.push(...readEcosystem(file, text, value));
    } else {
      if (!opts.allowJs)
        throw importError(
          { file, line: null },
          'a JavaScript ecosystem file is code: it is evaluated only with --allow-js (in a separate Node process)',
        );
      const r = await opts.runner
        .run(process.execPath, ['-e', EVAL_JS, path.resolve(file)], {
          cwd: path.dirname(path.resolve(file)),
          timeoutMs: 10_000,
          env: opts.env,
        })
        .catch((err: Error) => {
          throw importError({ file, line: null }, `evaluating it failed: ${err.message}`);
        });
      out.push(...readEcosystem(file, text, JSON.parse(r.stdout || 'null')));
    }
  }
  return out;
}

/** Env file path → its text, or null when it does not exist; any other read error names the file. */
export function readEnvFiles(services: readonly ImportedService[]): Map<string, string | null> {
  const texts = new Map<string, string | null>();
  for (const svc of services)
    for (const f of svc.envFiles) {
      if (texts.has(f.path)) continue;
      try {
        texts.set(f.path, requireUtf8(readFileSync(f.path), f.path));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') texts.set(f.path, null);
        else throw importError(f, `env file ${f.path} cannot be read: ${(err as Error).message}`);
      }
    }
  return texts;
}
