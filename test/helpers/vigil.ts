/** Running the real `vigil` CLI and agent as processes, each test in its own VIGIL_HOME. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureUserManager } from './systemd.js';
import { AGENT_MALLOC_ENV, AGENT_NODE_FLAGS } from '../../agent/adapters/process/heap-bounds.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'vigil.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

export interface RunOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TestHome {
  home: string;
  env: NodeJS.ProcessEnv;
  /** Writes a manifest file in the home and returns its path. */
  manifest(yaml: string, name?: string): string;
  vigil(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunOutput>;
  /** vigil … --json, parsed; throws with stderr when the exit code is not expected. */
  json<T>(args: string[], expectCode?: number): Promise<T>;
  /** Stops and deletes every unit this home installed. */
  cleanup(): Promise<void>;
}

export async function makeHome(prefix = 'vigil-it-'): Promise<TestHome> {
  const base = await ensureUserManager();
  const home = mkdtempSync(path.join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = { ...base, VIGIL_HOME: path.join(home, 'vh') };
  const vigil = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
    run(process.execPath, [BIN, ...args], env, opts);
  return {
    home,
    env,
    manifest(yaml, name = 'vigil.yaml') {
      const file = path.join(home, name);
      writeFileSync(file, yaml);
      return file;
    },
    vigil,
    async json<T>(args: string[], expectCode = 0): Promise<T> {
      const r = await vigil([...args, '--json']);
      if (r.code !== expectCode)
        throw new Error(`vigil ${args.join(' ')} exited ${r.code} (wanted ${expectCode}): ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    async cleanup() {
      const unitDir = path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user');
      const mine = existsSync(unitDir)
        ? readdirSync(unitDir).filter(
            (f) =>
              f.startsWith('vigil-') &&
              f.endsWith('.service') &&
              readFileSync(path.join(unitDir, f), 'utf8').includes(`X-Vigil-Home=${env.VIGIL_HOME}`),
          )
        : [];
      // A template unit (vigil-x@.service) is disabled through its enabled instances.
      const wants = path.join(unitDir, 'default.target.wants');
      const instances = existsSync(wants)
        ? readdirSync(wants).filter((f) =>
            mine.some((m) => m.endsWith('@.service') && f.startsWith(m.slice(0, -'.service'.length))),
          )
        : [];
      if (instances.length > 0) await run('systemctl', ['--user', 'disable', '--now', ...instances], env, {});
      if (mine.length > 0) {
        await run(
          'systemctl',
          ['--user', 'disable', '--now', ...mine.filter((m) => !m.endsWith('@.service'))],
          env,
          {},
        );
        for (const f of mine) rmSync(path.join(unitDir, f), { force: true });
        await run('systemctl', ['--user', 'daemon-reload'], env, {});
        await run('systemctl', ['--user', 'reset-failed', ...mine], env, {});
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { input?: string; timeoutMs?: number; cwd?: string },
): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits without reading stdin closes the pipe: that EPIPE is not the test's business.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export interface AgentProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT when started with --http. */
  httpUrl: string | null;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Starts `vigil agent run` and waits until its socket answers. */
export async function startAgent(t: TestHome, extraArgs: string[] = []): Promise<AgentProcess> {
  // As its unit runs it (agent/cli/commands/agent.ts): node's heap flags first, glibc's malloc bounds.
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, BIN, 'agent', 'run', ...extraArgs], {
    env: { ...AGENT_MALLOC_ENV, ...t.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${stderr}`);
    if (stderr.includes('vigil agent listening')) break;
    if (Date.now() > deadline) throw new Error(`agent did not start: ${stderr}`);
    await sleep(25);
  }
  const http = /(http:\/\/[^\s]+)/.exec(stderr);
  return {
    child,
    httpUrl: http ? http[1]! : null,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns a value other than undefined/false, or throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}
