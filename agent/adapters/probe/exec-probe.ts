/**
 * An exec health probe: the program passes by exiting 0 within the timeout. It runs through the
 * ProcessRunner (no shell), is killed at the timeout with everything it started (its process group), and a failure says how it ended and the last line it
 * wrote, so the probe error reads like the command's own complaint.
 */
import { passOrFail, type ProbeResult } from '../../core/health/probe.js';
import { ProcessError, type ProcessRunner } from '../../ports/process-runner.js';

/** The tail of the output kept in a probe error (it is shown in events and the status). */
const MAX_OUTPUT_CHARS = 200;

export async function probeExec(
  runner: ProcessRunner,
  spec: { argv: readonly string[]; cwd?: string },
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<ProbeResult> {
  const started = performance.now();
  const at = now();
  const result = (error: string | null) => passOrFail(error, Math.round(performance.now() - started), at);
  const [program = '', ...args] = spec.argv;
  try {
    await runner.run(program, args, {
      timeoutMs,
      killGroup: true,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    });
    return result(null);
  } catch (err) {
    if (!(err instanceof ProcessError)) return result((err as Error).message);
    const r = err.result;
    const how = r.timedOut
      ? `did not finish within ${timeoutMs} ms`
      : r.signal
        ? `was killed by ${r.signal}`
        : `exited with code ${r.exitCode}`;
    const said = lastLine(r.stderr) ?? lastLine(r.stdout);
    return result(`${program} ${how}${said ? `: ${said}` : ''}`);
  }
}

function lastLine(text: string): string | null {
  const line = text.trim().split('\n').pop()?.trim();
  if (!line) return null;
  return line.length > MAX_OUTPUT_CHARS ? `${line.slice(0, MAX_OUTPUT_CHARS)}…` : line;
}
