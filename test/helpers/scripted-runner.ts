/**
 * A ProcessRunner that replays a script: every call must be the next expected command (exact argv), and
 * gets the recorded exit code, stdout and stderr. Resolves or rejects (ProcessError) exactly as the real
 * runner does for the call's okCodes, so the code under test sees what it would on a real machine.
 */
import assert from 'node:assert/strict';
import {
  ProcessError,
  type ProcessRunner,
  type RunOptions,
  type RunResult,
} from '../../agent/ports/process-runner.js';

export interface Reply {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface Step extends Reply {
  /** The expected argv, command first. */
  argv: readonly string[];
}

export class ScriptedRunner implements ProcessRunner {
  readonly calls: string[][] = [];
  private readonly steps: Step[];
  /** Calls that did not match the script: the code under test may swallow the error, done() does not. */
  private readonly mismatches: string[] = [];

  constructor(steps: readonly Step[] = []) {
    this.steps = [...steps];
  }

  /** Appends more expected calls. */
  expect(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  get remaining(): number {
    return this.steps.length;
  }

  /** Every scripted call was made, and every call made was the scripted one. */
  done(): void {
    assert.deepEqual(this.mismatches, [], 'calls that differed from the script');
    assert.deepEqual(
      this.steps.map((s) => s.argv.join(' ')),
      [],
      'scripted calls that were never made',
    );
  }

  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const argv = [command, ...args];
    this.calls.push(argv);
    const next = this.steps.shift();
    if (!next) {
      this.mismatches.push(`#${this.calls.length}: ${argv.join(' ')} (script is empty)`);
      throw new Error(`unexpected call (script is empty): ${argv.join(' ')}`);
    }
    if (argv.join('\0') !== next.argv.join('\0'))
      this.mismatches.push(`#${this.calls.length}: ${argv.join(' ')} instead of ${next.argv.join(' ')}`);
    assert.deepEqual(argv, [...next.argv], `call #${this.calls.length} differs from the script`);
    const result: RunResult = {
      command,
      args,
      exitCode: next.exitCode ?? 0,
      signal: null,
      stdout: next.stdout ?? '',
      stderr: next.stderr ?? '',
      durationMs: 1,
      timedOut: false,
    };
    if ((options.okCodes ?? [0]).includes(result.exitCode!)) return result;
    throw new ProcessError(result);
  }
}
