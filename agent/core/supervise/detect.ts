/**
 * The event state machine: one step per service per tick, from what the manager reports and the exits
 * recorded since the last step, to the next snapshot and the events that happened. Pure; every event has
 * an idempotency key derived from the happening itself, so replaying a step never duplicates events.
 */
import type { ExitInfo, NewEvent } from '../events.js';
import type { ExitRecord, ObservedStatus } from '../observed.js';
import type { ServiceState } from '../status.js';
import { decodeExit, isFailure } from './decode.js';
import type { LoopRule, ServiceSnapshot } from './model.js';
import { intendedExit, type Intent } from '../intent.js';
import { normalizeSignal } from '../signals.js';
import { DEFAULT_STOP_TIMEOUT_SEC } from '../manifest/stop-settings.js';
import { formatBytes } from '../manifest/units.js';

export interface StepInput {
  service: string;
  observed: ObservedStatus;
  /** Exit records for this service since the previous step, oldest first. */
  exits: readonly ExitRecord[];
  /** Other failures since the previous step that count toward a crash loop (liveness restarts), times in ms. */
  failures?: readonly number[];
  /** Drift check result, when it was checked this tick. */
  drift?: { drifted: boolean; hash: string };
  policy: 'always' | 'on-failure' | 'no';
  rule: LoopRule;
  now: number;
  /** What Vigil last asked the manager to do with it (see core/intent.ts). */
  intent?: Intent | null;
  /** The service's limits.memory (named in an oom-killed event). */
  memoryLimitBytes?: number;
  /** The service's stopTimeoutSec (for the stop-timeout message); default 30. */
  stopTimeoutSec?: number;
  /** The service's command[0] (named when the launcher could not execute it). */
  program?: string;
  /** The manager's wait before a restart (ms), to date restarts reconstructed from the exit journal. */
  restartDelayMs?: number;
}

export interface StepOutput {
  next: ServiceSnapshot;
  events: NewEvent[];
}

export function step(prev: ServiceSnapshot, input: StepInput): StepOutput {
  const { service, observed: o, now, rule } = input;
  const events: NewEvent[] = [];
  const emit = (e: Omit<NewEvent, 'service' | 'at'> & { at?: number }) =>
    events.push({ service, at: e.at ?? now, ...e });

  const intent = input.intent ?? null;
  let crashes = [...prev.crashes];
  let lastExit = prev.lastExit;
  for (const [i, rec] of input.exits.entries()) {
    // A run nobody saw (the agent was down or blocked) lies between the previous exit and this one; not
    // before an amending record (the exit hook's better account of the run the launcher's record ended).
    const amends = rec.amends !== undefined;
    const before = i === 0 ? (prev.restartDue ?? null) : restartableExit(input.exits[i - 1]!, input.policy);
    if (before !== null && !amends) emit(reconstructedRestart(input, before, rec));
    const info = decodeExit(rec, input.program);
    lastExit = { ...info, at: rec.at };
    if (isStopTimeout(rec, prev)) {
      // Asked to stop, it did not within its timeout and was killed: worth a warning, not a crash.
      const sec = input.stopTimeoutSec ?? DEFAULT_STOP_TIMEOUT_SEC;
      const reason = `did not stop within its stop timeout (${sec} s) and was killed (SIGKILL)`;
      lastExit = { ...info, reason, at: rec.at };
      emit({
        key: `stop-timeout:${service}:${rec.offset}:${rec.at}`,
        at: rec.at,
        type: 'stop-timeout',
        severity: 'warning',
        message: `${service} ${reason}`,
        exit: { ...info, reason },
        data: { stopTimeoutSec: sec },
      });
      continue;
    }
    // Vigil stopped it: neither a crash nor a kill. The agent's own memory-limit verdict is written just
    // before its restart (within the intent's slack) and stays a failure.
    if (rec.result !== 'memory-limit' && intendedExit(intent, rec.at, prev)) continue;
    if (!isFailure(rec)) {
      // A SIGTERM nobody in Vigil sent: a clean exit to the manager, but the service did not choose it.
      if (rec.signal === null || normalizeSignal(rec.signal) !== 'SIGTERM') continue;
      crashes.push(rec.at);
      emit({
        key: `exit:${service}:${rec.offset}:${rec.at}`,
        at: rec.at,
        type: 'killed',
        severity: 'warning',
        message: `${service} was ${info.reason} from outside Vigil`,
        exit: info,
      });
      continue;
    }
    // An amended end was counted once already, by the launcher's record of the same run.
    if (!amends) crashes.push(rec.at);
    const oom = rec.result === 'oom-kill' || rec.result === 'memory-limit';
    const limit =
      oom && input.memoryLimitBytes !== undefined
        ? ` (limits.memory ${formatBytes(input.memoryLimitBytes)})`
        : '';
    emit({
      key: exitEventKey(service, rec),
      at: rec.at,
      type: oom ? 'oom-killed' : 'crashed',
      severity: 'warning',
      message: `${service} ${info.reason}${limit}`,
      exit: info,
      // The same end as the launcher's record, better told: consumers that count ends skip it.
      ...(amends ? { data: { amends: rec.amends } } : {}),
    });
  }
  crashes.push(...(input.failures ?? []));
  // An intent ends the crash episode: failures before it (read late too, e.g. by an agent started after
  // the fix) belong to what ran before it, such as the command an apply just replaced.
  crashes = crashes.filter(
    (t) => t > now - rule.windowMs && (intent === null || intent.keepCrashes === true || t >= intent.at),
  );

  const gaveUp = managerGaveUp(o, input.policy, intent);
  if (gaveUp && prev.active !== 'failed') {
    emit({
      key: `start-limit:${service}:${o.since ?? now}`,
      type: 'start-limit-hit',
      severity: 'critical',
      message: `${service} restarted ${plural(restartsDone(o), 'time')} and was given up on${lastExit ? `; last: ${lastExit.reason}` : ''}`,
      ...(lastExit ? { exit: stripAt(lastExit) } : {}),
    });
  }

  const looping = crashes.length >= rule.threshold || gaveUp;
  let loopKey = prev.loopKey;
  if (looping && loopKey === null) {
    loopKey = `${service}:${crashes[0] ?? o.since ?? now}`;
    emit({
      key: `crashloop:${loopKey}`,
      type: 'crashloop',
      severity: 'critical',
      message: `${service} is crash-looping: ${crashes.length} failures in ${Math.round(rule.windowMs / 1000)} s${
        lastExit ? `; last: ${lastExit.reason}` : ''
      }`,
      ...(lastExit ? { exit: stripAt(lastExit) } : {}),
      data: { failures: crashes.length, windowSec: rule.windowMs / 1000 },
    });
  } else if (!looping) {
    loopKey = null;
  }

  const running = o.active === 'active' && o.pid !== null;
  if (running && (o.pid !== prev.pid || prev.active !== 'active')) {
    // The manager's restart: its count went up, or an exit it restarts came before this run (the count can
    // go up already while the unit waits to restart, a state seen now that unit changes are pushed).
    const byManager =
      (o.restarts > prev.restarts || (prev.restartDue ?? null) !== null) && prev.state !== 'unknown';
    emit({
      key: `run:${service}:${o.pid}:${o.since ?? 0}`,
      type: byManager ? 'restarted' : 'started',
      severity: 'info',
      message: byManager
        ? `${service} was restarted (restart ${o.restarts})${lastExit ? ` after it ${lastExit.reason}` : ''}`
        : `${service} started (pid ${o.pid})`,
      data: { pid: o.pid, restarts: o.restarts },
    });
  }
  const stoppedNow = o.active === 'inactive' || (o.active === 'failed' && o.result === 'timeout');
  if (stoppedNow && (prev.active === 'active' || prev.active === 'deactivating')) {
    emit({
      key: `stopped:${service}:${o.since ?? now}`,
      type: 'stopped',
      severity: 'info',
      message: `${service} stopped`,
    });
  }

  let drifted = prev.drifted;
  if (input.drift) {
    if (input.drift.drifted && !prev.drifted) {
      emit({
        key: `drift:${service}:${input.drift.hash}`,
        type: 'drift',
        severity: 'warning',
        message: `${service}: its unit file was edited outside Vigil; run "vigil apply" to restore it`,
        data: { hash: input.drift.hash },
      });
    }
    drifted = input.drift.drifted;
  }

  const next: ServiceSnapshot = {
    state: deriveState(o, looping),
    active: o.active,
    pid: o.pid,
    restarts: o.restarts,
    since: o.since,
    crashes,
    loopKey,
    lastExit,
    drifted,
    restartDue: restartDue(prev, input, running),
  };
  return { next, events };
}

/**
 * The manager stopped restarting it: start limit hit (systemd 252 keeps Result=exit-code then). Not after
 * a stop Vigil asked for: a process that exits non-zero on SIGTERM leaves the unit failed, not given up on;
 * and a unit that had to be killed on stop is left failed with Result=timeout: stopped, not given up on.
 */
export function managerGaveUp(
  o: ObservedStatus,
  policy: 'always' | 'on-failure' | 'no',
  intent: Intent | null,
): boolean {
  if (intent?.action === 'stop') return false;
  return (
    o.loaded &&
    o.active === 'failed' &&
    o.result !== 'timeout' &&
    (o.result === 'start-limit-hit' || (policy !== 'no' && o.restarts > 0))
  );
}

/** The key of the crash event of an exit record (the supervisor finds the record of an event by it). */
export function exitEventKey(service: string, rec: ExitRecord): string {
  return `exit:${service}:${rec.offset}:${rec.at}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Restarts that really ran, for a unit the manager gave up on: systemd's NRestarts also counts the one its
 * start limit refused.
 */
export function restartsDone(o: ObservedStatus): number {
  return o.restartsCountRefused === true && o.restarts > 0 ? o.restarts - 1 : o.restarts;
}

/** The exit when the manager restarts a process after it (a later exit then proves a run between). */
function restartableExit(
  rec: ExitRecord,
  policy: StepInput['policy'],
): { offset: number; at: number } | null {
  if (policy === 'no') return null;
  // A clean exit is restarted by `always`; a clean end by a signal (TERM, INT…) is most likely a stop.
  const restarted = isFailure(rec) || (policy === 'always' && rec.how === 'exited');
  return restarted ? { offset: rec.offset, at: rec.at } : null;
}

/**
 * The `restarted` event of a run that ended before the agent saw it: after exit `after`, ended by
 * `ended`. Dated when the manager would have started it (its restart delay), never after `ended`.
 */
function reconstructedRestart(input: StepInput, after: { offset: number; at: number }, ended: ExitRecord) {
  return {
    key: `restart-after:${input.service}:${after.offset}:${after.at}`,
    at: Math.min(after.at + (input.restartDelayMs ?? 0), ended.at),
    type: 'restarted' as const,
    severity: 'info' as const,
    message: `${input.service} was restarted (seen later in the exit journal)`,
    data: { reconstructed: true, afterExitAt: after.at },
  };
}

/**
 * The newest exit whose restart has not been seen yet: set when the step ends with an exit the manager
 * restarts and no run after it was observed, so that a later step that finds a newer exit first (the run
 * came and went between two steps) still counts that restart.
 */
function restartDue(
  prev: ServiceSnapshot,
  input: StepInput,
  running: boolean,
): ServiceSnapshot['restartDue'] {
  const o = input.observed;
  // A run seen after the exits read (the observation comes after them), or a manager no longer restarting.
  if (running && (o.pid !== prev.pid || prev.active !== 'active')) return null;
  if (o.active === 'failed' || o.active === 'inactive') return null;
  const last = input.exits[input.exits.length - 1];
  return last === undefined ? (prev.restartDue ?? null) : restartableExit(last, input.policy);
}

export function deriveState(o: ObservedStatus, looping: boolean): ServiceState {
  if (!o.loaded) return 'unknown';
  if (looping) return 'crashloop';
  switch (o.active) {
    case 'active':
      return o.pid === null && o.sub !== 'exited' ? 'starting' : 'running';
    case 'activating':
    case 'reloading':
      return 'starting';
    case 'deactivating':
      return 'stopping';
    case 'inactive':
      return 'stopped';
    case 'failed':
      // systemd leaves a unit it had to SIGKILL on stop "failed" with Result=timeout: it was stopped as asked
      // (the stop-timeout event says how).
      return o.result === 'timeout' ? 'stopped' : 'failed';
    default:
      return 'unknown';
  }
}

/**
 * A kill after the stop timeout: systemd's Result=timeout (or vigil-launch's "timeout" record on launchd)
 * for a process that was running or stopping, not starting (a start timeout is a failure to start).
 */
export function isStopTimeout(rec: ExitRecord, prev: Pick<ServiceSnapshot, 'active'>): boolean {
  return rec.result === 'timeout' && prev.active !== 'activating';
}

function stripAt(e: ExitInfo & { at: number }): ExitInfo {
  return { code: e.code, signal: e.signal, result: e.result, reason: e.reason };
}
