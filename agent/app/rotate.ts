/**
 * Health-gated credential rotation with rollback:
 *   write the new version (the previous one is kept) → restart every service that loads the set, in
 *   dependsOn order → wait until each is healthy (its health URL answers healthy twice in a row, or, without
 *   one, it runs for `stableMs` with the same PID and no restart) within `timeoutMs` → succeeded.
 *   Otherwise: restore the previous version, restart the services restarted so far, wait for them again,
 *   and report which service failed and why, with its last log lines (redacted).
 * Progress is recorded as `credential-rotation` events; the outcome is an event and an audit record.
 * Values never appear in either.
 */
import { VigilError } from '../core/errors.js';
import type { NewEvent } from '../core/events.js';
import { createRedactor } from '../core/credentials/redact.js';
import { decodeExit } from '../core/supervise/decode.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import { describeProbe, type ProbeSpec } from '../core/health/probe-spec.js';
import type { ObservedStatus, ServiceManager } from '../ports/service-manager.js';
import type { Actor } from '../ports/credentials.js';
import type { RotationOutcome, RotationResult, ServiceCheck } from '../core/credentials/rotation.js';
import { checkValues, readForWrite, requireSetName, type CredentialDeps } from './credentials.js';

export type ProbeFn = (
  probe: ProbeSpec,
  timeoutMs: number,
) => Promise<{ health: 'healthy' | 'degraded' | 'down'; error: string | null }>;

export interface RotateDeps extends CredentialDeps {
  manager: ServiceManager;
  probe: ProbeFn;
  /** The last lines of a service's log, as they are on disk (rotate redacts them). */
  readLogTail: (service: string, lines: number) => Promise<string[]>;
}

export interface RotateRequest {
  set: string;
  values: Readonly<Record<string, string>>;
  actor: Actor;
  /** Per service: how long it may take to become healthy. */
  timeoutMs?: number;
  /** Without a health URL: how long it must run unchanged. */
  stableMs?: number;
  pollMs?: number;
}

export const DEFAULT_ROTATE_TIMEOUT_MS = 60_000;
export const DEFAULT_STABLE_MS = 10_000;
const DEFAULT_POLL_MS = 500;
const LOG_TAIL_LINES = 20;

export type { RotationOutcome, RotationResult, ServiceCheck };

export async function rotateCredentials(deps: RotateDeps, req: RotateRequest): Promise<RotationResult> {
  requireSetName(req.set);
  checkValues(req.values);
  const keys = Object.keys(req.values);
  const started = deps.clock.now();
  const lock = deps.ledger.lock(req.set, req.actor);
  const id = globalThis.crypto.randomUUID();
  let seq = 0;
  const emit = (
    phase: string,
    severity: NewEvent['severity'],
    message: string,
    service: string | null = null,
    extra: Record<string, unknown> = {},
    logTail?: string[],
  ) =>
    deps.record([
      {
        key: `rotation:${id}:${seq++}`,
        at: deps.clock.now(),
        service,
        type: 'credential-rotation',
        severity,
        message,
        ...(logTail ? { logTail } : {}),
        data: { rotationId: id, set: req.set, keys, phase, ...extra },
      },
    ]);
  try {
    const current = readForWrite(deps.store, req.set);
    if (current === null)
      throw new VigilError('E_NOT_FOUND', `no credential set "${req.set}"; create it with vigil secrets set`);
    const missing = keys.filter((k) => !current.some((e) => e.key === k));
    if (missing.length > 0)
      throw new VigilError(
        'E_NOT_FOUND',
        `credential set "${req.set}" has no key ${missing.join(', ')}; add it with vigil secrets set`,
      );
    const specs = deps.services().filter((s) => s.credentials.includes(req.set));
    const names = specs.map((s) => s.name);
    deps.ledger.begin({
      id,
      startedAt: started,
      actor: req.actor,
      action: 'rotate',
      set: req.set,
      keys,
      services: names,
    });
    const next = current.map((e) =>
      Object.hasOwn(req.values, e.key) ? { key: e.key, value: req.values[e.key]!, updatedAt: started } : e,
    );
    const { previous } = deps.store.write(req.set, next);
    emit(
      'started',
      'info',
      `rotating ${keys.join(', ')} in "${req.set}" (by ${req.actor}): new version written; restarting ${names.length ? names.join(', ') : 'no service (none loads this set)'}`,
      null,
      { services: names },
    );

    const checks: ServiceCheck[] = [];
    let failure: ServiceCheck | null = null;
    for (const spec of specs) {
      emit('restarting', 'info', `restarting ${spec.name} on the new ${req.set} credentials`, spec.name);
      const check = await restartAndWait(deps, spec, req);
      checks.push(check);
      emit(
        check.healthy ? 'healthy' : 'unhealthy',
        check.healthy ? 'info' : 'critical',
        `${spec.name} ${check.healthy ? 'is' : 'is not'} healthy: ${check.reason}`,
        spec.name,
      );
      if (!check.healthy) {
        failure = check;
        break;
      }
    }

    const finish = (outcome: RotationOutcome, extra: Partial<RotationResult>): RotationResult => {
      const end = deps.clock.now();
      deps.ledger.finish(id, {
        outcome,
        finishedAt: end,
        services: checks.map((c) => c.service),
        failedService: extra.failed?.service ?? null,
        reason: extra.failed?.reason ?? null,
      });
      return {
        id,
        set: req.set,
        keys,
        outcome,
        services: names,
        checks,
        failed: null,
        rollback: null,
        startedAt: new Date(started).toISOString(),
        durationMs: end - started,
        ...extra,
      };
    };

    if (failure === null) {
      emit(
        'succeeded',
        'info',
        `rotation of ${keys.join(', ')} in "${req.set}" succeeded${names.length ? `: ${names.join(', ')} healthy on the new credentials` : ''}`,
        null,
        { outcome: 'succeeded' },
      );
      return finish('succeeded', {});
    }

    // Roll back: the previous version, and every service restarted so far restarted again on it.
    const logTail = await redactedTail(deps, failure.service, req.set, req.values);
    emit(
      'rolling-back',
      'critical',
      `${failure.service} failed on the new credentials (${failure.reason}); restoring the previous version of "${req.set}"`,
      failure.service,
      {},
      logTail,
    );
    if (previous !== null) deps.store.restore(req.set, previous);
    const rollback: ServiceCheck[] = [];
    for (const spec of specs.slice(0, checks.length)) {
      const check = await restartAndWait(deps, spec, req);
      rollback.push(check);
      emit(
        check.healthy ? 'healthy' : 'unhealthy',
        check.healthy ? 'info' : 'critical',
        `${spec.name} on the previous credentials: ${check.reason}`,
        spec.name,
        { rollback: true },
      );
    }
    const outcome: RotationOutcome = rollback.every((c) => c.healthy) ? 'rolled-back' : 'rollback-failed';
    const sick = rollback.filter((c) => !c.healthy).map((c) => c.service);
    emit(
      outcome,
      'critical',
      outcome === 'rolled-back'
        ? `rotation of ${keys.join(', ')} in "${req.set}" rolled back: ${failure.service} ${failure.reason}; the previous credentials are back and every service is healthy`
        : `rotation of ${keys.join(', ')} in "${req.set}" failed and the rollback did not bring ${sick.join(', ')} back to health; the previous credentials are restored`,
      failure.service,
      { outcome },
      logTail,
    );
    return finish(outcome, {
      failed: { service: failure.service, reason: failure.reason, logTail },
      rollback,
    });
  } catch (err) {
    if (seq > 0) emit('failed', 'critical', `rotation of "${req.set}" stopped: ${(err as Error).message}`);
    try {
      deps.ledger.finish(id, {
        outcome: 'interrupted',
        finishedAt: deps.clock.now(),
        reason: (err as Error).message,
      });
    } catch {
      // no audit row yet
    }
    throw err;
  } finally {
    lock.release();
  }
}

async function redactedTail(
  deps: RotateDeps,
  service: string,
  set: string,
  values: Readonly<Record<string, string>>,
): Promise<string[]> {
  let lines: string[];
  try {
    lines = await deps.readLogTail(service, LOG_TAIL_LINES);
  } catch {
    return [];
  }
  // The store's values plus the new ones (in case the write did not land), so nothing escapes the tail.
  const extra = Object.entries(values).map(([key, value]) => ({
    set,
    key,
    value,
    version: 0,
    current: false,
  }));
  const redact = createRedactor([...deps.store.allSecrets(), ...extra]);
  return lines.map((l) => redact(l));
}

/** Restarts one service and waits for it to be healthy (see the module comment). */
export async function restartAndWait(
  deps: Pick<RotateDeps, 'manager' | 'probe' | 'clock'>,
  spec: ServiceSpec,
  req: Pick<RotateRequest, 'timeoutMs' | 'stableMs' | 'pollMs'>,
): Promise<ServiceCheck> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_ROTATE_TIMEOUT_MS;
  const stableMs = req.stableMs ?? DEFAULT_STABLE_MS;
  const pollMs = req.pollMs ?? DEFAULT_POLL_MS;
  const t0 = deps.clock.now();
  const done = (healthy: boolean, reason: string): ServiceCheck => ({
    service: spec.name,
    healthy,
    reason,
    ms: deps.clock.now() - t0,
  });
  try {
    await deps.manager.restart([spec.name]);
  } catch (err) {
    return done(false, `could not be restarted: ${(err as Error).message.split('\n')[0]}`);
  }
  let pid: number | null = null;
  let runningSince: number | null = null;
  let healthyProbes = 0;
  let last: string;
  for (;;) {
    const [o] = await deps.manager.status([spec.name]);
    const now = deps.clock.now();
    const dead = o ? deathOf(o) : 'is not loaded';
    if (dead !== null) return done(false, dead);
    if (o!.active === 'active' && o!.pid !== null) {
      if (pid !== null && o!.pid !== pid)
        return done(false, `its process changed (pid ${pid} → ${o!.pid}): it restarted`);
      pid = o!.pid;
      runningSince ??= now;
      if (spec.health) {
        const r = await deps.probe(spec.health.probe, spec.health.timeoutSec * 1000);
        healthyProbes = r.health === 'healthy' ? healthyProbes + 1 : 0;
        last =
          r.health === 'healthy' ? 'healthy' : `health check ${r.health}${r.error ? `: ${r.error}` : ''}`;
        if (healthyProbes >= 2) return done(true, `healthy (${describeProbe(spec.health.probe)})`);
      } else {
        last = `running for ${Math.round((now - runningSince) / 1000)} s`;
        if (now - runningSince >= stableMs)
          return done(true, `running for ${Math.round(stableMs / 1000)} s without a restart (pid ${pid})`);
      }
    } else last = `${o!.active}/${o!.sub}`;
    if (deps.clock.now() - t0 >= timeoutMs)
      return done(false, `not healthy within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
    await deps.clock.sleep(pollMs);
  }
}

/** Why the service is not alive any more since our restart, or null. */
function deathOf(o: ObservedStatus): string | null {
  if (!o.loaded) return 'is not loaded (unit missing)';
  const exit = (): string => {
    if (!o.lastExit) return o.result && o.result !== 'success' ? `result ${o.result}` : 'exited';
    return decodeExit({
      result: o.result,
      how: o.lastExit.signal ? 'killed' : 'exited',
      code: o.lastExit.code,
      signal: o.lastExit.signal,
    }).reason;
  };
  if (o.restarts > 0 || o.sub === 'auto-restart') return `${exit()} and was restarted by the service manager`;
  if (o.active === 'failed') return `failed: ${exit()}`;
  if (o.active === 'inactive') return `stopped: ${exit()}`;
  return null;
}
