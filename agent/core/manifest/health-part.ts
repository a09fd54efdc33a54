/** The `health:` part of a service: its validated settings → HealthSpec with one ProbeSpec. Pure. */
import type { ProbeSpec } from '../health/probe-spec.js';
import type { HealthSpec } from './model.js';
import type { RawService } from './schema.js';
import { resolveProgram } from './program.js';

type Problem = (p: (string | number)[], message: string) => void;

/**
 * The schema has checked that exactly one probe key is set. An exec probe's program is found like the
 * service's own command (PATH, or relative to the service's cwd) and runs in that cwd. Null after a
 * problem was reported.
 */
export function normalizeHealth(
  health: NonNullable<RawService['health']>,
  cwd: string | undefined,
  baseDir: string,
  which: ((program: string) => string | null) | undefined,
  problem: Problem,
): HealthSpec | null {
  let probe: ProbeSpec;
  if (health.url !== undefined) probe = { kind: 'http', url: health.url };
  else if (health.tcp !== undefined) probe = { kind: 'tcp', host: health.tcp.host, port: health.tcp.port };
  else if (health.exec !== undefined) {
    const found = resolveProgram(health.exec[0] ?? '', cwd ?? baseDir, which);
    if ('error' in found) {
      problem(['health', 'exec', 0], found.error);
      return null;
    }
    probe = {
      kind: 'exec',
      argv: [found.path, ...health.exec.slice(1)],
      ...(cwd === undefined ? {} : { cwd }),
    };
  } else return null;
  return {
    probe,
    intervalSec: health.intervalSec,
    timeoutSec: health.timeoutSec,
    ...(health.stableSec === undefined ? {} : { stableSec: health.stableSec }),
    ...(health.restartAfterFailures === undefined
      ? {}
      : { restartAfterFailures: health.restartAfterFailures }),
  };
}
