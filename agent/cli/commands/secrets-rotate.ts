/**
 * `vigil secrets rotate <set> <KEY> [--timeout SEC] [--stable SEC]`: the new value from stdin, then the
 * health-gated rotation with rollback — through the agent when it runs (progress from its event stream),
 * else in this process. Progress goes to stderr; the result to stdout. Exit 0 only when it succeeded.
 */
import { EXIT_FAILED, EXIT_OK, VigilError } from '../../core/errors.js';
import type { NewEvent } from '../../core/events.js';
import type { RotationResult } from '../../core/credentials/rotation.js';
import { vigilPaths } from '../../core/paths.js';
import { ApiClient } from '../../api/client.js';
import { rotateCredentials } from '../../app/rotate.js';
import { agentClient } from '../remote.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';
import { readSecretValue } from '../secret-input.js';
import { directCredentials, setAndKey } from '../secrets-deps.js';

/** How long the CLI waits for the agent to finish a rotation (it reports failures itself well before). */
const AGENT_WAIT_MS = 60 * 60 * 1000;

export async function rotateCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil secrets rotate <set> <KEY> [--timeout SEC] [--stable SEC] [--json]';
  const { values, positionals } = parse(
    argv,
    { timeout: { type: 'string' }, stable: { type: 'string' }, ...JSON_FLAG },
    usage,
  );
  const [set, key] = setAndKey(positionals, usage);
  const timeoutSec = seconds(str(values.timeout), '--timeout', 1);
  const stableSec = seconds(str(values.stable), '--stable', 0);
  const value = await readSecretValue(io, `New value for ${set}/${key} (input hidden): `);
  const progress = (e: Pick<NewEvent, 'message'>) => io.err(`  ${e.message}\n`);

  let result: RotationResult;
  const client = await agentClient(io);
  if (client) {
    const last = (await client.events({ limit: 1 })).events.at(-1)?.id ?? 0;
    const ctl = new AbortController();
    const streaming = client
      .streamEvents(
        { afterId: last, types: ['credential-rotation'] },
        (e) => {
          if (e.data?.set === set) progress(e);
        },
        ctl.signal,
      )
      .catch(() => undefined);
    try {
      const long = new ApiClient({ socketPath: vigilPaths(io.env).socket, timeoutMs: AGENT_WAIT_MS });
      result = await long.call('credentialRotate', { set }, undefined, {
        values: { [key]: value },
        ...(timeoutSec === undefined ? {} : { timeoutSec }),
        ...(stableSec === undefined ? {} : { stableSec }),
        actor: 'cli',
      });
    } finally {
      // Let the last progress events arrive before the stream is closed.
      await new Promise((r) => setTimeout(r, 200));
      ctl.abort();
      await streaming;
    }
  } else {
    const direct = await directCredentials(io, true);
    try {
      result = await rotateCredentials(direct.rotateDeps(progress), {
        set,
        values: { [key]: value },
        actor: 'cli',
        ...(timeoutSec === undefined ? {} : { timeoutMs: timeoutSec * 1000 }),
        ...(stableSec === undefined ? {} : { stableMs: stableSec * 1000 }),
      });
    } finally {
      direct.close();
    }
  }
  if (values.json) printJson(io, result);
  else io.out(summary(result));
  return result.outcome === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

function seconds(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > 3600)
    throw new VigilError(
      'E_USAGE',
      `${name} must be a number of seconds between ${min} and 3600, not "${v}"`,
    );
  return n;
}

export function summary(r: RotationResult): string {
  const what = `${r.set}/${r.keys.join(',')}`;
  const took = `${(r.durationMs / 1000).toFixed(1)} s`;
  if (r.outcome === 'succeeded') {
    return r.services.length
      ? `rotated ${what}: ${r.services.join(', ')} healthy on the new value (${took})\n`
      : `rotated ${what} (no installed service loads "${r.set}")\n`;
  }
  const lines = [
    `rotation of ${what} ${r.outcome === 'rolled-back' ? 'ROLLED BACK' : 'FAILED, and the rollback did not recover every service'}: ${r.failed?.service} ${r.failed?.reason}`,
  ];
  if (r.failed && r.failed.logTail.length > 0)
    lines.push(`last log lines of ${r.failed.service}:`, ...r.failed.logTail.map((l) => `  | ${l}`));
  for (const c of r.rollback ?? [])
    lines.push(`on the previous value: ${c.service} ${c.healthy ? 'healthy' : 'NOT healthy'} (${c.reason})`);
  lines.push(`the previous value of ${what} is restored (${took})`);
  return `${lines.join('\n')}\n`;
}
