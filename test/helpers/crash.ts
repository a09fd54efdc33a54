/** The scaffolding of the kill -9 tests: reproducible kill moments, and a child killed at one of them. */
import { spawn } from 'node:child_process';

/** mulberry32: reproducible "random" kill moments; tests print the seed in their failure messages. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** VIGIL_CRASH_SEED when set (to replay a failure), else `fallback`. */
export function crashSeed(fallback: number = Date.now() % 1e9): number {
  return Number(process.env.VIGIL_CRASH_SEED ?? fallback);
}

export interface KilledRun {
  /** Whole lines of stdout only: a torn last line was not fully written, so it acknowledges nothing. */
  lines: string[];
  stdout: string;
}

/**
 * Runs `node ...args`; once its stdout starts with `ready` (a line), SIGKILLs it `killAfterMs` later, or
 * with null lets it finish and requires exit 0. Rejects when it ends by itself though a kill was planned,
 * and when it hangs past `guardMs` (killed by the guard, which is not a kill the test chose).
 */
export function runAndKill(
  args: readonly string[],
  opts: { ready: string; killAfterMs: number | null; guardMs: number },
): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, opts.guardMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (opts.killAfterMs !== null && killTimer === undefined && out.startsWith(`${opts.ready}\n`))
        killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (hung)
        return reject(
          new Error(`${args.at(-1)}: no end within ${opts.guardMs} ms (killed by the guard): ${err}`),
        );
      const planned = opts.killAfterMs === null ? code === 0 : signal === 'SIGKILL';
      if (!planned)
        return reject(new Error(`${args.join(' ')} ended with code ${code}, signal ${signal}: ${err}`));
      resolve({ lines: out.split('\n').slice(0, -1), stdout: out });
    });
  });
}
