/** Running the compiled vigil-launch (dist/bin/vigil-launch; `npm run build` makes it) in tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './vigil.js';

/** The build's launcher, or VIGIL_LAUNCHER (e.g. a deliberately broken build, to see the tests fail). */
export const LAUNCHER = process.env.VIGIL_LAUNCHER || path.join(ROOT, 'dist', 'bin', 'vigil-launch');

export function requireLauncher(): void {
  if (!existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run npm run build first`);
}

export interface LaunchResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startLauncher(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess & { done: Promise<LaunchResult> } {
  const child = spawn(LAUNCHER, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<LaunchResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(child, { done });
}

export function runLauncher(
  args: string[],
  env?: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<LaunchResult> {
  const child = startLauncher(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return child.done.finally(() => clearTimeout(timer));
}

export function readOr(file: string, fallback = ''): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : fallback;
}
