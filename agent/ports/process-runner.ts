/**
 * The one choke point for child processes. Every command Vigil runs (systemctl, launchctl, ps…) goes
 * through a ProcessRunner, so tests can replay recorded outputs and errors carry exit code and output.
 */
import { VigilError } from '../core/errors.js';

export interface RunOptions {
  cwd?: string;
  /** Full environment for the child; defaults to the runner's own. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. */
  input?: string;
  /** Kill the child (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number;
  /**
   * Run the child in its own process group and kill the whole group at the timeout, so that what it
   * started (`sh -c 'sleep 60'`) dies too and cannot hold the output open past the timeout. For commands
   * from the manifest (exec probes).
   */
  killGroup?: boolean;
  /** Exit codes that count as success for this call; default [0]. */
  okCodes?: readonly number[];
}

export interface RunResult {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface ProcessRunner {
  /** Resolves with the result when the exit code is in okCodes; otherwise rejects with ProcessError. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export class ProcessError extends VigilError {
  readonly result: RunResult;

  constructor(result: RunResult) {
    const how = result.timedOut
      ? 'timed out'
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.exitCode}`;
    const stderr = result.stderr.trim();
    super(
      'E_PROCESS',
      `${[result.command, ...result.args].join(' ')} ${how}${stderr ? `: ${stderr.split('\n').slice(-5).join(' | ')}` : ''}`,
      { details: { exitCode: result.exitCode, signal: result.signal, stderr: result.stderr } },
    );
    this.name = 'ProcessError';
    this.result = result;
  }
}
