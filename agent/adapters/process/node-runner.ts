/** The real ProcessRunner: child_process.spawn without a shell, output captured, typed errors. */
import { spawn } from 'node:child_process';
import {
  ProcessError,
  type ProcessRunner,
  type RunOptions,
  type RunResult,
} from '../../ports/process-runner.js';
import { signalName } from '../../core/signals.js';
import { VigilError } from '../../core/errors.js';
import { constants } from 'node:os';

const DEFAULT_TIMEOUT_MS = 30_000;

export class NodeProcessRunner implements ProcessRunner {
  constructor(private readonly baseEnv: NodeJS.ProcessEnv = process.env) {}

  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(command, args, {
          cwd: options.cwd,
          env: options.env ?? this.baseEnv,
          stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          shell: false,
          detached: options.killGroup === true, // its own process group (setsid), killed as one below
        });
      } catch (err) {
        reject(
          new VigilError('E_PROCESS', `could not run ${command}: ${(err as Error).message}`, { cause: err }),
        );
        return;
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (options.killGroup === true && child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
            return;
          } catch {
            // the group is gone already: kill the child alone below
          }
        }
        child.kill('SIGKILL');
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => errOut.push(b));
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new VigilError('E_PROCESS', `could not run ${command}: ${err.message}`, { cause: err }));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        const result: RunResult = {
          command,
          args,
          exitCode: code,
          signal: sig ? signalName(constants.signals[sig]) : null,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
          durationMs: performance.now() - started,
          timedOut,
        };
        const ok = options.okCodes ?? [0];
        if (!timedOut && code !== null && ok.includes(code)) resolve(result);
        else reject(new ProcessError(result));
      });
      if (options.input !== undefined && child.stdin) {
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input);
      }
    });
  }
}
